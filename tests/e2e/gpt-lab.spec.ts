import { expect, test } from "@playwright/test";
import { newKey, visit } from "./helpers";

// A GPT Lab person's first visit, in dark mode (on a desktop's screen and a
// phone's, see playwright.config.ts): their key signs
// them in as the person GPT Lab knew, with their assistant and their
// conversation, which reads and continues. The documents are written into the
// app's emulator exactly as GPT Lab writes them (tests/setup/gpt-lab.ts).

test.use({ colorScheme: "dark" });

/** A GPT Lab person, their assistant and one conversation, in the app's database. */
async function gptLabDatabase(apiKey: string): Promise<string> {
  // The app's project and settings (playwright.config.ts): the spec writes where the app reads.
  Object.assign(process.env, {
    NODE_ENV: "test",
    GOOGLE_CLOUD_PROJECT: "demo-e2e",
    SESSION_SECRETS: "e2e-session-secret-0123456789abcdef0123",
    USER_HASH_SECRET: "e2e-user-hash-secret-0123456789abcdef0123",
    ENCRYPTION_SECRET: "e2e-encryption-secret-0123456789abcdef0123",
  });
  const { writeGptLabBot, writeGptLabPerson, writeGptLabSession } = await import("../setup/gpt-lab");
  const person = await writeGptLabPerson(apiKey);
  const bot = await writeGptLabBot({
    name: "Weekly Planner",
    tagLine: "Plans your week with you",
    sessionType: 3,
    creatorUserId: person.userId,
    model: "gpt-3.5-turbo",
    instructions: "You plan weeks.",
    showcased: false,
  });
  return writeGptLabSession({
    person,
    bot: { id: bot.id, sessionType: 3, model: "gpt-3.5-turbo", instructions: bot.instructions },
    transcript: [
      { role: "assistant", text: "Hello! What does your week hold?" },
      { role: "user", text: "Three deadlines and a talk on Friday." },
      { role: "assistant", text: "Let's put them in order:\n\n1. **Report**, Tuesday\n2. **Talk**, Friday" },
    ],
    startedAt: 1_683_300_000,
  });
}

test("a GPT Lab person signs in and finds, reads and continues their conversation", async ({ page }) => {
  const apiKey = newKey("sk-gptlab");
  const sessionId = await gptLabDatabase(apiKey);
  await visit(page, "/");
  await page.getByLabel("OpenAI API key").fill(apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/assistants/);

  await visit(page, "/assistants?tab=mine");
  await expect(page.getByRole("link", { name: "Weekly Planner" })).toBeVisible();

  await visit(page, "/sessions");
  const chat = page.getByRole("link", { name: "Three deadlines and a talk on Friday." }).first();
  await expect(chat).toBeVisible();
  await chat.click();
  await expect(page).toHaveURL(new RegExp(`/sessions/${sessionId}$`));
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });

  const conversation = page.getByRole("list", { name: "Conversation" });
  await expect(conversation.locator(":scope > li")).toHaveCount(3);
  await expect(conversation).toContainText("Hello! What does your week hold?");
  // GPT Lab's Markdown renders as Markdown.
  await expect(conversation.locator("strong", { hasText: "Report" })).toBeVisible();
  await expect(page.getByText(/gpt-3\.5-turbo is not available to your API key, so this chat uses /)).toBeVisible();

  await page.getByLabel("Message").fill("What about Wednesday?");
  await page.getByLabel("Message").press("Enter");
  await expect(conversation.locator(":scope > li")).toHaveCount(5);
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 20_000 });

  // Nothing wider than the screen, and dark mode's colours.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
    page.viewportSize()!.width,
  );
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [red, green, blue] = background.match(/\d+/g)!.map(Number);
  expect(red! + green! + blue!).toBeLessThan(150);
});
