import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { signIn, visit } from "./helpers";

// The README's pictures are refreshed only on request (`npm run screenshots`); a test run
// writes its pictures under test-results and leaves tracked files alone.
const screenshots = process.env.REFRESH_SCREENSHOTS
  ? path.resolve(import.meta.dirname, "../../docs/screenshots")
  : path.resolve(import.meta.dirname, "../../test-results/screenshots");

test("the showcased gallery is open to everyone; chatting asks to sign in", async ({ page }) => {
  await visit(page, "/assistants");
  const tutor = page.getByRole("article").filter({ hasText: "Patient Tutor" });
  await expect(tutor).toBeVisible();
  await expect(tutor.getByRole("link", { name: "Sign in to chat with Patient Tutor" })).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, "gallery.png"), fullPage: true });

  await page.getByLabel("Search assistants").fill("travel");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("article")).toHaveCount(1);
  await expect(page.getByRole("heading", { name: "Travel Planner" })).toBeVisible();

  await signIn(page);
  await visit(page, "/assistants");
  await expect(page.getByRole("button", { name: "Chat with Patient Tutor" })).toBeVisible();
});

async function createAssistant(page: Page, name: string) {
  await visit(page, "/assistants/new");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Tag line").fill("Answers only in haiku");
  await page.getByLabel("Description").fill("Turns any topic into a short poem.");
  await page.getByLabel("Instructions").fill("Answer only in haiku.");
  await expect(page.getByRole("region", { name: "Preview" }).getByText(name)).toBeVisible();
  await page.getByRole("button", { name: "Truthful" }).click();
  await expect(page.getByLabel("Temperature")).toHaveValue("0.2");
  await expect(page.getByLabel("Top P")).toHaveValue("0.9");

  // A test drive streams a reply from the unsaved settings.
  await page.getByLabel("Test message").fill("autumn leaves");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("region", { name: "Test drive" })).toContainText("Thanks for asking about autumn leaves");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, "lab.png") });

  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/[\w-]+\?created=1$/);
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  const shareUrl = await page.getByLabel("Share link").inputValue();
  expect(shareUrl).toMatch(/^http:\/\/localhost:\d+\/assistants\/[\w-]+$/);
  return shareUrl;
}

test("create an assistant, share it, edit it with versions, and deactivate it", async ({ page, browser }) => {
  await signIn(page);
  const name = "Haiku Helper";
  const shareUrl = await createAssistant(page, name);

  await visit(page, "/assistants?tab=mine");
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.getByLabel(`Share link for ${name}`)).toHaveValue(shareUrl);

  // A second person opens the link, but cannot edit or deactivate.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other);
  await visit(other, shareUrl);
  await expect(other.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(other.getByRole("link", { name: "Edit" })).toHaveCount(0);
  await expect(other.getByRole("button", { name: "Deactivate" })).toHaveCount(0);
  const editResponse = await visit(other, `${shareUrl}/edit`);
  expect(editResponse?.status()).toBe(404);
  await expect(other.getByRole("heading", { name: "Not found" })).toBeVisible();
  const forged = await other.request.post(`${shareUrl}/status`, { form: { intent: "deactivate" }, maxRedirects: 0 });
  expect(forged.status()).toBe(404);

  // The creator edits the instructions: version 2 is active, version 1 kept.
  await visit(page, shareUrl);
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByRole("textbox", { name: "Instructions" }).fill("Answer only in haiku, about nature.");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(`${shareUrl}?saved=1`);
  await expect(page.getByRole("status")).toContainText("Your changes are saved.");
  await page.getByRole("link", { name: "Edit" }).click();
  const history = page.getByRole("region", { name: "Instructions versions" });
  await expect(history.getByRole("listitem")).toHaveCount(2);
  await expect(history.getByRole("listitem").first()).toContainText("Version 2");
  await expect(history.getByRole("listitem").first()).toContainText("active");
  await expect(history.getByRole("listitem").first()).toContainText("about nature");
  await expect(history.getByRole("listitem").nth(1)).toContainText("Version 1");
  await expect(history.getByRole("button", { name: "Make instructions version 1 active" })).toBeVisible();

  // Deactivated, its link is a 404 for everyone.
  await visit(page, shareUrl);
  await page.getByRole("button", { name: "Deactivate" }).click();
  await expect(page).toHaveURL(/\/assistants\?tab=mine$/);
  const gone = await visit(other, shareUrl);
  expect(gone?.status()).toBe(404);
  await expect(other.getByText("This assistant does not exist, or its creator has deactivated it.")).toBeVisible();

  // And the creator can bring it back from My assistants.
  await page.getByRole("button", { name: `Reactivate ${name}` }).click();
  await expect(page).toHaveURL(shareUrl);
  await otherContext.close();
});

test("invalid settings keep what was typed and say what to fix next to each field", async ({ page }) => {
  await signIn(page);
  await visit(page, "/assistants/new");
  await page.getByLabel("Tag line").fill("No name given");
  await page.getByLabel("Instructions").fill("Be helpful.");
  await page.getByLabel("Temperature").fill("5");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page.getByText("Enter a name.")).toBeVisible();
  await expect(page.getByText("Temperature must be between 0 and 2.")).toBeVisible();
  await expect(page.getByLabel("Tag line")).toHaveValue("No name given");
  await expect(page.getByLabel("Instructions")).toHaveValue("Be helpful.");
  await expect(page).toHaveURL(/\/assistants\/new$/);
});

test("the gallery works on a phone-sized screen", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await visit(page, "/assistants");
  await expect(page.getByRole("heading", { name: "Patient Tutor" })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
});
