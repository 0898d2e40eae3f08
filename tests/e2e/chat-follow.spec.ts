import { expect, test, type Page } from "@playwright/test";
import { signIn, startChat, visit } from "./helpers";

// The chat page as people expect it (issue 11): it follows the reply, keeps a
// stopped one and the draft, lists recent chats on wide screens, and says what
// each reply used.

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const conversation = (page: Page) => page.getByRole("list", { name: "Conversation" });
const replies = (page: Page) => conversation(page).locator(":scope > li");
const messageBox = (page: Page) => page.getByLabel("Message");
const jumpToLatest = (page: Page) => page.getByRole("button", { name: "Jump to latest" });

async function send(page: Page, text: string) {
  await messageBox(page).fill(text);
  await messageBox(page).press("Enter");
}

async function turn(page: Page, text: string) {
  await send(page, text);
  await expect(conversation(page)).toContainText(`Thanks for asking about ${text}`);
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
}

/** Where the last reply ends and the sticky message box begins, in viewport pixels. */
async function lastReplyAndBox(page: Page) {
  const reply = await replies(page).last().boundingBox();
  const box = await page.locator("form", { has: messageBox(page) }).boundingBox();
  return { replyBottom: reply!.y + reply!.height, boxTop: box!.y };
}

async function expectLastReplyInView(page: Page) {
  await expect
    .poll(async () => {
      const { replyBottom, boxTop } = await lastReplyAndBox(page);
      return replyBottom > 0 && replyBottom <= boxTop;
    })
    .toBe(true);
}

for (const [name, viewport] of [
  ["desktop", DESKTOP],
  ["phone", PHONE],
] as const) {
  test.describe(`on a ${name}`, () => {
    test.use({ viewport });

    test("after four turns the last reply ends above the message box, and a reload opens there", async ({ page }) => {
      await signIn(page);
      const url = await startChat(page);
      for (const text of ["Plan my week", "Add exercise", "Make it shorter", "And for Sunday"]) await turn(page, text);
      await expect(replies(page)).toHaveCount(8);
      await expectLastReplyInView(page);

      await visit(page, url);
      await expect(replies(page)).toHaveCount(8);
      await expectLastReplyInView(page);
      await expect(jumpToLatest(page)).toBeHidden();
    });

    test("scrolling up stops following the reply and offers Jump to latest, which brings it back", async ({ page }) => {
      await signIn(page);
      await startChat(page);
      for (const text of ["Plan my week", "Add exercise"]) await turn(page, text);
      await send(page, "[fake:slow] tell me everything");
      const streaming = conversation(page).locator("li[aria-busy=true]");
      await expect(streaming).toContainText("Thanks for asking");
      await page.mouse.move(viewport.width / 2, 200);
      await page.mouse.wheel(0, -400);
      await expect(jumpToLatest(page)).toBeVisible();
      const scrolledTo = await page.evaluate(() => window.scrollY);
      // The reply grows out of sight; the page stays where the person put it.
      await expect(streaming).toContainText("a few thoughts", { timeout: 10_000 });
      expect(await page.evaluate(() => window.scrollY)).toBe(scrolledTo);

      await jumpToLatest(page).click();
      await expect(jumpToLatest(page)).toBeHidden();
      await expectLastReplyInView(page);
      // Following again: what arrives next arrives in view.
      const before = (await streaming.textContent())!.length;
      await expect.poll(async () => (await streaming.textContent())!.length).toBeGreaterThan(before);
      await expectLastReplyInView(page);
      await page.getByRole("button", { name: "Stop" }).click();
    });
  });
}

test("a Stop at 100 ms keeps the turn, marked as stopped, with Retry", async ({ page }) => {
  await signIn(page);
  const url = await startChat(page);
  await send(page, "[fake:slow] tell me everything");
  // About 100 ms in: before the provider's first words reach the browser. Any moment must keep the turn.
  await page.waitForTimeout(100);
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(conversation(page)).toContainText("tell me everything");
  await expect(conversation(page)).toContainText("Stopped before it finished.");
  await expect(page.getByRole("button", { name: "Retry" })).toBeVisible();
  await page.getByRole("button", { name: "Retry" }).click();
  await expect(conversation(page)).toContainText("Keep what works", { timeout: 20_000 });
  await expect(conversation(page)).not.toContainText("Stopped before it finished.");
  await visit(page, url);
  await expect(replies(page)).toHaveCount(2);
});

test("a stopped reply shows what the server kept of it, and what it used, as a reload does", async ({ page }) => {
  await signIn(page);
  const url = await startChat(page);
  await send(page, "[fake:slow] tell me everything");
  await expect(conversation(page).locator("li[aria-busy=true]")).toContainText("Thanks");
  await page.getByRole("button", { name: "Stop" }).click();
  const stopped = replies(page).last();
  await expect(stopped).toContainText("Stopped before it finished.");
  await expect(stopped.getByLabel("Reply usage")).toHaveText(/^\d+ in · [1-9]\d* out · /);
  const shown = await stopped.textContent();
  await visit(page, url);
  await expect(replies(page).last()).toHaveText(shown!);
  await expect(page.getByRole("button", { name: "Retry" })).toBeVisible();
});

test("the message draft survives leaving the chat and coming back, and is gone once sent", async ({ page }) => {
  await signIn(page);
  const url = await startChat(page);
  await messageBox(page).fill("A thought I am still writing");
  await page.getByRole("link", { name: "History" }).click();
  await expect(page).toHaveURL(/\/sessions$/);
  await visit(page, url);
  await expect(messageBox(page)).toHaveValue("A thought I am still writing");
  await messageBox(page).press("Enter");
  await expect(conversation(page)).toContainText("Thanks for asking about A thought I am still writing");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  await visit(page, url);
  await expect(replies(page)).toHaveCount(2);
  await expect(messageBox(page)).toHaveValue("");
});

test.describe("recent chats", () => {
  test.use({ viewport: DESKTOP });

  test("on a desktop a sidebar lists recent chats with the open one marked", async ({ page }) => {
    await signIn(page);
    await startChat(page);
    await turn(page, "First topic");
    const second = await startChat(page);
    const sidebar = page.getByRole("navigation", { name: "Recent chats" });
    await expect(sidebar.getByRole("link", { name: /New chat/ })).toHaveAttribute("aria-current", "page");
    await turn(page, "Second topic");
    // Named by its first message at once, without reloading the page.
    await expect(sidebar.getByRole("link", { name: /Second topic/ })).toHaveAttribute("aria-current", "page");
    await visit(page, second);
    await expect(sidebar).toBeVisible();
    await expect(sidebar.getByRole("link", { name: /Second topic/ })).toHaveAttribute("aria-current", "page");
    const first = sidebar.getByRole("link", { name: /First topic/ });
    await expect(first).not.toHaveAttribute("aria-current", "page");
    await first.click();
    await expect(conversation(page)).toContainText("Thanks for asking about First topic");
    await expect(sidebar.getByRole("link", { name: /First topic/ })).toHaveAttribute("aria-current", "page");
  });
});

test.describe("on a phone", () => {
  test.use({ viewport: PHONE });

  test("there is no sidebar, and the chat fits the screen", async ({ page }) => {
    await signIn(page);
    await startChat(page);
    await turn(page, "First topic");
    await expect(page.getByRole("navigation", { name: "Recent chats" })).toBeHidden();
    const chat = await page.getByRole("main").boundingBox();
    expect(chat!.x).toBeGreaterThanOrEqual(0);
    expect(chat!.x + chat!.width).toBeLessThanOrEqual(PHONE.width);
  });
});

test("each reply shows its tokens in and out and its cost, and the JSON export has them per message", async ({
  page,
}) => {
  await signIn(page);
  const url = await startChat(page);
  await turn(page, "Count this");
  await expect(replies(page).last().getByLabel("Reply usage")).toHaveText(/^[1-9]\d* in · [1-9]\d* out · (< )?\$/);
  const shown = await replies(page).last().getByLabel("Reply usage").innerText();
  await visit(page, url);
  await expect(replies(page).last().getByLabel("Reply usage")).toHaveText(shown);

  const exported = await page.request.get(`${url}/download?format=json`);
  const json = (await exported.json()) as {
    messages: { role: string; promptTokens: number; completionTokens: number; cost: number | null }[];
  };
  const [asked, answered] = json.messages;
  expect(asked).toMatchObject({ role: "user", promptTokens: 0, completionTokens: 0 });
  expect(answered!.role).toBe("assistant");
  expect(answered!.promptTokens).toBeGreaterThan(0);
  expect(answered!.completionTokens).toBeGreaterThan(0);
  expect(shown).toContain(`${answered!.promptTokens} in · ${answered!.completionTokens} out`);
});

test("a new chat focuses the message box, and a finished reply is announced once", async ({ page }) => {
  // A slow reply takes about 20 seconds to finish.
  test.setTimeout(45_000);
  await signIn(page);
  await startChat(page);
  await expect(messageBox(page)).toBeFocused();
  await send(page, "[fake:slow] Say hello");
  await expect(conversation(page).locator("li[aria-busy=true]")).toContainText("Thanks");
  // While the reply streams, nothing is announced.
  await expect(page.locator("main [aria-live=polite]")).toHaveText("");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 20_000 });
  await expect(page.locator("main [aria-live=polite]")).toContainText("The assistant replied: Thanks for asking");
});
