import OpenAI from "openai";
import { expect, test } from "@playwright/test";
import { signIn, visit } from "./helpers";

// A reasoning model end to end, against the fake provider, which refuses what
// the real API refuses for gpt-5-mini (max_tokens, sampling settings, a
// reasoning effort it does not take): the lab asks only for what the model
// takes, the web chat streams, and the OpenAI-compatible API answers.

test("an assistant on gpt-5-mini: made in the lab with a reasoning effort, chatted with, and called with the openai SDK", async ({
  page,
  baseURL,
}) => {
  // A slow stream, to see the reply arrive piece by piece, takes most of the default 30 seconds alone.
  test.setTimeout(60_000);
  const apiKey = await signIn(page);
  await visit(page, "/assistants/new");
  await page.getByLabel("Name").fill("Deep Thinker");
  await page.getByLabel("Tag line").fill("Thinks before it answers");
  await page.getByLabel("Instructions").fill("Think it through, then answer briefly.");

  // A standard model first: sampling settings and presets, no reasoning effort.
  await expect(page.getByLabel("Model", { exact: true })).toHaveValue("gpt-4o-mini");
  await expect(page.getByLabel("Temperature")).toBeVisible();
  await expect(page.getByLabel("Reasoning effort")).toBeHidden();

  // Switching the model changes the form at once.
  await page.getByLabel("Model", { exact: true }).selectOption("gpt-5-mini");
  await expect(page.getByLabel("Reasoning effort")).toBeVisible();
  await expect(page.getByLabel("Reasoning effort").locator("option")).toHaveText([
    "The model's default",
    "minimal",
    "low",
    "medium",
    "high",
  ]);
  await expect(page.getByLabel("Max completion tokens")).toBeVisible();
  for (const setting of ["Temperature", "Top P", "Frequency penalty", "Presence penalty"]) {
    await expect(page.getByLabel(setting)).toBeHidden();
  }
  await expect(page.getByRole("button", { name: "Creative" })).toBeHidden();
  await page.getByLabel("Reasoning effort").selectOption("minimal");

  await page.getByLabel("Test message").fill("tides");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("region", { name: "Test drive" })).toContainText("Thanks for asking about tides");

  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/[\w-]+\?created=1$/);
  const botId = new URL(page.url()).pathname.split("/")[2]!;
  await expect(page.getByText("gpt-5-mini · max 1,000 completion tokens · reasoning effort minimal")).toBeVisible();

  // The web chat: the reply is visibly streaming, then complete.
  await page.getByRole("button", { name: "Start a chat" }).click();
  await expect(page).toHaveURL(/\/sessions\/[\w-]+$/);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.getByLabel("Message").fill("[fake:slow] why do tides turn");
  await page.getByLabel("Message").press("Enter");
  const conversation = page.getByRole("list", { name: "Conversation" });
  await expect(conversation.locator("li[aria-busy=true]")).toContainText("Thanks for asking");
  await expect(page.getByRole("button", { name: "Stop" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 30_000 });
  await expect(conversation).toContainText('console.log("one step at a time");');
  await expect(conversation.getByRole("alert")).toHaveCount(0);

  // The same assistant from code: the official SDK, the app's /v1, the person's key, the assistant's id as model.
  const client = new OpenAI({ apiKey, baseURL: `${baseURL}/v1`, maxRetries: 0 });
  const completion = await client.chat.completions.create({
    model: botId,
    messages: [{ role: "user", content: "Explain neap tides" }],
  });
  expect(completion.choices[0]?.message.content).toContain("Thanks for asking about **Explain neap tides**");
  const stream = await client.chat.completions.create({
    model: botId,
    messages: [{ role: "user", content: "And spring tides?" }],
    stream: true,
  });
  let streamed = "";
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? "";
  expect(streamed).toContain("Thanks for asking about **And spring tides?**");
});
