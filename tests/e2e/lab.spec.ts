import { expect, test, type Page } from "@playwright/test";
import { providerRequestWith, signIn, visit } from "./helpers";

// The lab as people expect it (issue 11): one set of values for what is
// shown, test-driven and saved; the preset in force said; a rollback that
// stays rolled back; a save that says so.

async function fillProfile(page: Page, name: string) {
  await visit(page, "/assistants/new");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Tag line").fill("Tries every preset");
  await page.getByLabel("Description").fill("Made by the lab tests.");
  await page.getByLabel("Instructions").fill("Answer briefly.");
}

test("a preset's values are what the fields show, what the test drive sends, and the preset shown", async ({
  page,
}) => {
  await signIn(page);
  await fillProfile(page, "Preset Tester");
  const preset = page.getByRole("status").filter({ hasText: "Preset:" });

  await page.getByRole("button", { name: "Creative" }).click();
  await expect(page.getByLabel("Temperature")).toHaveValue("1.1");
  await expect(page.getByLabel("Frequency penalty")).toHaveValue("0.5");
  await expect(page.getByRole("button", { name: "Creative" })).toHaveAttribute("aria-pressed", "true");
  await expect(preset).toHaveText("Preset: Creative");

  const message = `creative test ${Date.now()}`;
  await page.getByLabel("Test message").fill(message);
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("region", { name: "Test drive" })).toContainText(`Thanks for asking about ${message}`);
  expect(await providerRequestWith(page, message)).toMatchObject({
    temperature: 1.1,
    top_p: 1,
    frequency_penalty: 0.5,
    presence_penalty: 0.6,
  });

  // Typing a value of one's own is Custom, and the test drive sends that value.
  await page.getByLabel("Temperature").fill("0.35");
  await expect(preset).toHaveText("Preset: Custom");
  await expect(page.getByRole("button", { name: "Creative" })).toHaveAttribute("aria-pressed", "false");
  const custom = `custom test ${Date.now()}`;
  await page.getByLabel("Test message").fill(custom);
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("region", { name: "Test drive" })).toContainText(`Thanks for asking about ${custom}`);
  expect(await providerRequestWith(page, custom)).toMatchObject({ temperature: 0.35, frequency_penalty: 0.5 });
});

test("a rollback stays rolled back: a name-only save afterwards keeps the old temperature", async ({ page }) => {
  await signIn(page);
  await fillProfile(page, "Rollback Tester");
  await page.getByRole("button", { name: "Truthful" }).click();
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\?created=1$/);
  const assistantUrl = page.url().replace(/\?created=1$/, "");

  // Version 2 of the model settings: a new temperature.
  await visit(page, `${assistantUrl}/edit`);
  await page.getByLabel("Temperature").fill("1.3");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status")).toContainText("Your changes are saved.");

  // Back to version 1: the form shows it at once.
  await visit(page, `${assistantUrl}/edit`);
  await page.getByRole("button", { name: "Make model settings version 1 active" }).click();
  await expect(page.getByLabel("Temperature")).toHaveValue("0.2");

  // Only the name changes; the rolled-back settings stay.
  await page.getByLabel("Name").fill("Rollback Tester, renamed");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Rollback Tester, renamed" })).toBeVisible();
  await expect(page.getByText(/temperature 0\.2/)).toBeVisible();
  await visit(page, `${assistantUrl}/edit`);
  await expect(page.getByLabel("Temperature")).toHaveValue("0.2");
  const settings = page.getByRole("region", { name: "Model settings versions" });
  // No version was added, and version 1 is the active one (it has no "Make active" button).
  await expect(settings.getByRole("listitem")).toHaveCount(2);
  const first = settings.getByRole("listitem").filter({ hasText: "Version 1" });
  await expect(first.getByRole("button", { name: /Make .* active/ })).toHaveCount(0);
});

test("a starter prompt on an assistant's page starts a chat with it, and a reload does not send it again", async ({
  page,
}) => {
  await signIn(page);
  await visit(page, "/assistants/showcase-patient-tutor");
  await page.getByRole("button", { name: "Why is the sky blue?" }).click();
  await expect(page).toHaveURL(/\/sessions\/[\w-]+$/);
  const conversation = page.getByRole("list", { name: "Conversation" });
  await expect(conversation).toContainText("Thanks for asking about Why is the sky blue?");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();

  await page.reload();
  await expect(conversation).toContainText("Thanks for asking about Why is the sky blue?");
  // One question and its answer: the prompt was not sent a second time.
  await expect(conversation.locator(":scope > li")).toHaveCount(2);
});

test("a duplicate is named as a copy; one's own assistants each have a Start chat", async ({ page }) => {
  await signIn(page);
  await visit(page, "/assistants/new?from=showcase-patient-tutor");
  await expect(page.getByLabel("Name")).toHaveValue("Patient Tutor (copy)");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Patient Tutor (copy)" })).toBeVisible();

  await visit(page, "/assistants?tab=mine");
  await page.getByRole("button", { name: "Start chat with Patient Tutor (copy)" }).click();
  await expect(page).toHaveURL(/\/sessions\/[\w-]+$/);
  await expect(page.getByText("Patient Tutor (copy) ·")).toBeVisible();
});

test("a lab draft survives leaving and coming back; leaving with unsaved changes asks first", async ({ page }) => {
  await signIn(page);
  await visit(page, "/assistants/new");
  await page.getByLabel("Name").fill("Draft Keeper");
  await page.getByLabel("Instructions").fill("Remember me.");
  await page.getByRole("button", { name: "Creative" }).click();
  await expect(page.getByLabel("Temperature")).toHaveValue("1.1");

  // Asked, and staying: nothing moves.
  const questions: string[] = [];
  page.once("dialog", (dialog) => {
    questions.push(dialog.message());
    void dialog.dismiss();
  });
  await page.getByRole("link", { name: "History" }).click();
  await expect.poll(() => questions).toHaveLength(1);
  expect(questions[0]).toContain("Your changes are not saved");
  await expect(page).toHaveURL(/\/assistants\/new$/);
  await expect(page.getByLabel("Name")).toHaveValue("Draft Keeper");

  // Asked, and leaving; coming back finds the draft.
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("link", { name: "History" }).click();
  await expect(page).toHaveURL(/\/sessions$/);
  await visit(page, "/assistants/new");
  await expect(page.getByLabel("Name")).toHaveValue("Draft Keeper");
  await expect(page.getByLabel("Instructions")).toHaveValue("Remember me.");
  await expect(page.getByLabel("Temperature")).toHaveValue("1.1");
  await expect(page.getByRole("status").filter({ hasText: "Preset:" })).toHaveText("Preset: Creative");

  // Saved, the draft is done with.
  await page.getByLabel("Tag line").fill("Keeps drafts");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\?created=1$/);
  await visit(page, "/assistants/new");
  await expect(page.getByLabel("Name")).toHaveValue("");
  // Nothing unsaved: leaving asks nothing.
  await page.getByRole("link", { name: "History" }).click();
  await expect(page).toHaveURL(/\/sessions$/);
});
