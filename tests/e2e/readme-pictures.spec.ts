import path from "node:path";
import { expect, test } from "@playwright/test";
import { signIn, startChat } from "./helpers";

// The README's pictures of a chat, in both themes, with recent chats beside
// it. Refreshed only on request (`npm run screenshots`); a test run writes
// them under test-results and leaves tracked files alone.
const pictures = process.env.REFRESH_SCREENSHOTS
  ? path.resolve(import.meta.dirname, "../../docs/screenshots")
  : path.resolve(import.meta.dirname, "../../test-results/screenshots");

test.use({ viewport: { width: 1280, height: 800 } });

test("a chat with its recent chats beside it, pictured in light and dark", async ({ page }) => {
  await signIn(page);
  await startChat(page, "Travel Planner");
  await page.getByLabel("Message").fill("Plan three days in Lisbon");
  await page.getByLabel("Message").press("Enter");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  const current = await startChat(page);
  await page.getByLabel("Message").fill("Why is the sky blue?");
  await page.getByLabel("Message").press("Enter");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();

  const recent = page.getByRole("navigation", { name: "Recent chats" });
  await expect(recent.getByRole("link")).not.toHaveCount(0);
  await expect(recent.locator('[aria-current="page"]')).toHaveAttribute("href", new URL(current).pathname);
  await expect(recent).toContainText("Plan three days in Lisbon");

  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(pictures, `chat-${scheme}.png`) });
  }
});
