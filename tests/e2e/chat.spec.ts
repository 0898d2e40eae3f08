import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { newKey, signIn, startChat, visit } from "./helpers";

async function send(page: Page, text: string) {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
}

const conversation = (page: Page) => page.getByRole("list", { name: "Conversation" });
const sendButton = (page: Page) => page.getByRole("button", { name: "Send" });

test("a reply is visibly streaming before it completes, and Shift+Enter makes a new line", async ({ page }) => {
  await signIn(page);
  await startChat(page);
  await page.getByLabel("Message").fill("first line");
  await page.getByLabel("Message").press("Shift+Enter");
  await page.getByLabel("Message").pressSequentially("[fake:slow] second line");
  await expect(page.getByLabel("Message")).toHaveValue("first line\n[fake:slow] second line");
  await page.getByLabel("Message").press("Enter");

  const streaming = conversation(page).locator("li[aria-busy=true]");
  await expect(streaming).toContainText("Thanks for asking");
  // Still generating: the reply is partial and Stop is offered.
  await expect(page.getByRole("button", { name: "Stop" })).toBeVisible();
  expect(await streaming.innerText()).not.toContain("one step at a time");
  await expect(conversation(page)).toContainText("Keep what works and adjust the rest.", { timeout: 20_000 });
  await expect(sendButton(page)).toBeVisible();
});

test("a finished reply stays as it streamed: no reload of the transcript, and the header counts it", async ({
  page,
}) => {
  await signIn(page);
  const url = await startChat(page);
  const sessionPath = new URL(url).pathname;
  const reloads: string[] = [];
  page.on("request", (request) => {
    const requested = new URL(request.url());
    // A revalidation of this chat's loader: Remix's single fetch asks for `<path>.data`.
    if (requested.pathname === `${sessionPath}.data`) reloads.push(request.url());
  });
  const usage = page.getByLabel("Session usage");
  await expect(usage).toContainText("0 tokens");

  await send(page, "How should I plan my week?");
  await expect(conversation(page)).toContainText("Keep what works and adjust the rest.");
  await expect(sendButton(page)).toBeVisible();
  await send(page, "And the week after?");
  await expect(conversation(page).locator(":scope > li")).toHaveCount(4);
  await expect(sendButton(page)).toBeVisible();

  expect(reloads).toEqual([]);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("How should I plan my week?");
  await expect(usage).not.toContainText("0 tokens");
  const shown = await usage.innerText();
  // What the page added up from the replies is what the server saved.
  await visit(page, url);
  await expect(page.getByLabel("Session usage")).toHaveText(shown);
  await expect(conversation(page).locator(":scope > li")).toHaveCount(4);
});

test("stop keeps the partial reply, marked as stopped, after a reload", async ({ page }) => {
  await signIn(page);
  const url = await startChat(page);
  await send(page, "[fake:slow] tell me everything");
  await expect(conversation(page).locator("li[aria-busy=true]")).toContainText("Thanks for asking");
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(conversation(page)).toContainText("Stopped before it finished.");
  await visit(page, url);
  await expect(conversation(page)).toContainText("Thanks for asking");
  await expect(conversation(page)).toContainText("Stopped before it finished.");
  await expect(conversation(page)).not.toContainText("Keep what works");
});

test("a cut stream keeps what arrived and says so", async ({ page }) => {
  await signIn(page);
  await startChat(page);
  await send(page, "[fake:cut] explain it all");
  await expect(conversation(page).getByRole("alert")).toContainText("cut off by the provider");
  await expect(conversation(page)).toContainText("Thanks for asking");
  await expect(sendButton(page)).toBeVisible();
});

test("a rate limit shows when to retry, and the next message works", async ({ page }) => {
  await signIn(page);
  await startChat(page);
  await send(page, "[fake:429] hello");
  await expect(conversation(page).getByRole("alert")).toContainText("Try again in 20 seconds");
  await send(page, "hello again");
  await expect(conversation(page)).toContainText("Thanks for asking about hello again");
});

test("starter prompts start the chat, and a session resumes after signing out and in", async ({ page }) => {
  const key = newKey();
  await signIn(page, key);
  const url = await startChat(page);
  await page.getByRole("button", { name: "Why is the sky blue?" }).click();
  await expect(conversation(page)).toContainText("Thanks for asking about Why is the sky blue?");
  await expect(sendButton(page)).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await signIn(page, key);
  await visit(page, "/sessions");
  await page.getByRole("link", { name: "Why is the sky blue?" }).click();
  await expect(page).toHaveURL(url);
  await expect(conversation(page)).toContainText("Thanks for asking about Why is the sky blue?");
  await send(page, "Tell me more");
  await expect(conversation(page)).toContainText("Thanks for asking about Tell me more");
});

test("conclude, rate and download; a second person gets 404 for the session", async ({ page, browser }) => {
  await signIn(page);
  const url = await startChat(page);
  for (const text of ["Plan my week", "Add exercise"]) {
    await send(page, text);
    await expect(conversation(page)).toContainText(`Thanks for asking about ${text}`);
    await expect(sendButton(page)).toBeVisible();
  }
  await page.getByRole("button", { name: "Conclude" }).click();
  const recap = page.getByRole("region", { name: "Recap" });
  await expect(recap).toContainText("Summarize what the learner has understood");
  await recap.getByRole("button", { name: "Thumbs up" }).click();
  await expect(recap.getByRole("button", { name: "Thumbs up" })).toHaveAttribute("aria-pressed", "true");

  const markdownDownload = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download Markdown" }).click();
  const markdown = await markdownDownload;
  expect(markdown.suggestedFilename()).toBe("Plan-my-week.md");
  const text = await readFile((await markdown.path())!, "utf8");
  expect(text).toContain("Add exercise");
  expect(text).toContain("## Recap");
  const jsonDownload = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download JSON" }).click();
  const json = JSON.parse(await readFile((await (await jsonDownload).path())!, "utf8")) as { messages: unknown[] };
  expect(json.messages).toHaveLength(4);

  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other);
  const response = await visit(other, url);
  expect(response?.status()).toBe(404);
  await expect(other.getByText("There is no chat of yours at this address.")).toBeVisible();
  await otherContext.close();
});

test("the usage page shows this month against a subscription", async ({ page }) => {
  await signIn(page);
  await startChat(page);
  await send(page, "Count this");
  await expect(sendButton(page)).toBeVisible();
  await expect(conversation(page)).toContainText("Thanks for asking about Count this");
  await visit(page, "/usage");
  await expect(page.getByRole("region", { name: "This month" })).toContainText("less than a $20 monthly subscription");
  await expect(page.getByRole("region", { name: "By assistant" })).toContainText("Patient Tutor");
  await expect(page.getByRole("region", { name: "By model" })).toContainText("gpt-4o-mini");
});

test("a key the provider rejects mid-chat signs the person out with an explanation", async ({ page }) => {
  await signIn(page);
  await startChat(page);
  await send(page, "[fake:401] hello");
  await expect(page).toHaveURL(/\/\?signedOut=key_rejected$/);
  await expect(page.getByRole("status")).toContainText("the provider rejected your API key");
  await expect(page.getByLabel("OpenAI API key")).toBeVisible();
});
