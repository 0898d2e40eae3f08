import { expect, test, type Page } from "@playwright/test";
import { newKey, signIn, startChat, visit } from "./helpers";

// The frame around every page: the skip link, the navigation (on error pages
// too, and on one line on a phone), signing in from a shared link, and the
// Markdown, chart and table styles that pages share.

async function send(page: Page, text: string) {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Conversation" })).toContainText("Keep what works");
}

/** How many lines an element's text takes. */
function textLines(element: Element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
}

test("the first Tab reaches a skip link that moves focus past the navigation", async ({ page }) => {
  await signIn(page);
  await visit(page, "/usage");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.locator("#content")).toBeFocused();
  // The next Tab goes into the page, not back to the header.
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.closest("header"))).toBeNull();
  // The page takes focus only for the jump: a click on its text later does not focus all of it.
  await page.getByRole("heading", { level: 1 }).click();
  await expect(page.locator("#content")).not.toBeFocused();
});

test("a page that does not exist is a 404 that keeps the navigation", async ({ page }) => {
  await signIn(page);
  const response = await visit(page, "/no-such-page/at-all");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Not found" })).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "History" })).toBeVisible();
  await expect(nav.getByRole("button", { name: "Sign out" })).toBeVisible();
});

test("GET /api/chat is a 405 JSON error, in a browser as for a client", async ({ page }) => {
  const response = await page.goto("/api/chat");
  expect(response?.status()).toBe(405);
  expect(await response?.json()).toEqual({
    error: { code: "method_not_allowed", message: "Send messages with POST." },
  });
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("the header stays on one line and the history fits the screen", async ({ page }) => {
    await signIn(page);
    await startChat(page);
    await send(page, "a question for the history page");
    await visit(page, "/sessions");

    const header = page.getByRole("banner");
    const items = [
      page.getByRole("link", { name: "Assistant Lab" }),
      header.getByRole("link", { name: "Assistants" }),
      header.getByRole("link", { name: "History" }),
      header.getByRole("link", { name: "Usage" }),
      header.getByRole("button", { name: "Sign out" }),
    ];
    const boxes = await Promise.all(items.map((item) => item.boundingBox()));
    const middles = boxes.map((box) => Math.round(box!.y + box!.height / 2));
    // One line: every item centred on the same height, none past the right edge.
    expect(Math.max(...middles) - Math.min(...middles)).toBeLessThanOrEqual(2);
    for (const box of boxes) expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    for (const item of items.slice(1)) expect(await item.evaluate(textLines)).toBe(1);

    const chat = page.getByRole("list", { name: "Chats" }).getByRole("listitem").first();
    await expect(chat).toContainText("a question for the history page");
    await expect(chat).toContainText("Patient Tutor");
    const box = (await chat.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });
});

test("the home page links to the gallery and says where a key comes from", async ({ page }) => {
  await visit(page, "/");
  await page.getByRole("link", { name: "Browse the public gallery" }).click();
  await expect(page).toHaveURL(/\/assistants$/);
  await visit(page, "/");
  const help = page.getByRole("region", { name: "Where do I get a key?" });
  await expect(help.getByRole("link", { name: "API keys page" })).toHaveAttribute(
    "href",
    "https://platform.openai.com/api-keys",
  );
  await expect(help).toContainText("only a keyed hash");
});

test("a chat link opened signed out says what it opens, and signing in lands on it", async ({ page, browser }) => {
  const key = await signIn(page);
  await startChat(page);
  const chatPath = new URL(page.url()).pathname;

  const signedOut = await browser.newContext();
  const other = await signedOut.newPage();
  await visit(other, chatPath);
  await expect(other.getByRole("status")).toHaveText(
    "Sign in to open a chat (only the key that started it can open it). You will go straight there.",
  );
  // A mistyped key first: the way back survives the refusal.
  await other.getByLabel("OpenAI API key").fill(`sk-fake-rejected-${newKey()}`);
  await other.getByRole("button", { name: "Sign in" }).click();
  await expect(other.getByRole("alert")).toContainText("The provider rejected this API key");
  await other.getByLabel("OpenAI API key").fill(key);
  await other.getByRole("button", { name: "Sign in" }).click();
  await expect(other).toHaveURL(new RegExp(`${chatPath}$`));
  await expect(other.getByLabel("Message")).toBeVisible();
  await signedOut.close();
});

test("an assistant link opened signed out lands on the assistant after signing in", async ({ page }) => {
  await visit(page, "/assistants");
  const card = page.getByRole("link", { name: "Patient Tutor" }).first();
  const assistantPath = (await card.getAttribute("href"))!.replace(/^\/\?redirectTo=/, "");
  const path = decodeURIComponent(assistantPath);
  expect(path).toMatch(/^\/assistants\/[\w-]+$/);

  await visit(page, path);
  await expect(page.getByRole("status")).toContainText("Sign in to open an assistant someone shared with you");
  await page.getByLabel("OpenAI API key").fill(newKey());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${path}$`));
  await expect(page.getByRole("heading", { level: 1, name: "Patient Tutor" })).toBeVisible();
});

for (const elsewhere of ["https://evil.example/assistants", "//evil.example/sessions"]) {
  test(`a sign-in asked to go to ${elsewhere} stays on this site`, async ({ page }) => {
    await visit(page, `/?redirectTo=${encodeURIComponent(elsewhere)}`);
    await expect(page.getByRole("status")).toHaveCount(0);
    await page.getByLabel("OpenAI API key").fill(newKey());
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/^http:\/\/localhost:\d+\/assistants$/);
  });
}

test.describe("in dark mode", () => {
  test.use({ colorScheme: "dark" });

  test("a reply's headings, quotes and inline code are styled as such", async ({ page }) => {
    await signIn(page);
    await startChat(page);
    // The fake provider repeats the topic at the top of its reply, so the topic brings the Markdown.
    await send(page, "the `reduce` method\n\n## A heading\n\n> A quote");
    const reply = page.getByRole("list", { name: "Conversation" }).locator(":scope > li").last();

    const style = (selector: string, property: string) =>
      reply
        .locator(selector)
        .first()
        .evaluate((element, name) => getComputedStyle(element).getPropertyValue(name), property);
    const px = async (selector: string) => parseFloat(await style(selector, "font-size"));
    expect(await px("h2")).toBeGreaterThan((await px("p")) * 1.2);
    expect(parseFloat(await style("blockquote", "border-left-width"))).toBeGreaterThan(0);
    expect(await style("p code", "color")).not.toBe(await style("p code", "background-color"));
    expect(await style("p code", "background-color")).not.toBe("rgba(0, 0, 0, 0)");
  });
});
