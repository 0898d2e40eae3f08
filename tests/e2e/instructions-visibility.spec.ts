import { expect, test } from "@playwright/test";
import { providerRequestWith, signIn, visit } from "./helpers";

// Creators choose whether others see an assistant's instructions (GPT Lab kept
// them private, and so does a new assistant unless its creator shows them).

test("hidden instructions stay off another person's page, its HTML and their duplicate, and still drive the chat", async ({
  page,
  browser,
}) => {
  const secret = `Always sign off as Captain Nemo ${Date.now()}.`;
  await signIn(page);
  await visit(page, "/assistants/new");
  await page.getByLabel("Name").fill("Secret Keeper");
  await page.getByLabel("Tag line").fill("Keeps its instructions to itself");
  await page.getByLabel("Instructions").fill(secret);
  await expect(page.getByLabel("Let others read them")).not.toBeChecked();
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\?created=1$/);
  const assistantUrl = page.url().replace(/\?created=1$/, "");
  // The creator sees them, and is told who else does.
  await expect(page.getByRole("region", { name: /Instructions/ })).toContainText(secret);
  await expect(page.getByText("(only you see them)")).toBeVisible();

  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other);
  await visit(other, assistantUrl);
  await expect(other.getByRole("heading", { level: 1, name: "Secret Keeper" })).toBeVisible();
  expect(await other.content()).not.toContain("Captain Nemo");
  await other.getByRole("link", { name: "Duplicate into my lab" }).click();
  await expect(other.getByLabel("Name")).toHaveValue("Secret Keeper (copy)");
  await expect(other.getByLabel("Instructions")).toHaveValue("");
  await expect(other.getByText("Its creator keeps its instructions private")).toBeVisible();
  expect(await other.content()).not.toContain("Captain Nemo");

  // They still drive the other person's chat.
  await visit(other, assistantUrl);
  await other.getByRole("button", { name: "Start a chat" }).click();
  await expect(other).toHaveURL(/\/sessions\/[\w-]+$/);
  await other.locator("html[data-hydrated]").waitFor({ state: "attached" });
  const question = `What do you keep ${Date.now()}?`;
  await other.getByLabel("Message").fill(question);
  await other.getByLabel("Message").press("Enter");
  await expect(other.getByRole("list", { name: "Conversation" })).toContainText(`Thanks for asking about ${question}`);
  const sent = await providerRequestWith(other, question);
  expect(sent.messages.filter((message) => message.role === "system").map((message) => message.content)).toContain(
    secret,
  );
  expect(await other.content()).not.toContain("Captain Nemo");

  // Shown by its creator, everyone sees them.
  await visit(page, `${assistantUrl}/edit`);
  await page.getByLabel("Let others read them").check();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("(shown to everyone)")).toBeVisible();
  await visit(other, assistantUrl);
  await expect(other.getByRole("region", { name: /Instructions/ })).toContainText(secret);
  await otherContext.close();
});
