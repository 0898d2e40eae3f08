import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { newKey, signIn, startChat, visit } from "./helpers";

// Every page, as axe-core sees it, in both themes: no serious or critical
// violations. The app follows the system's theme (Tailwind's `dark:` is
// prefers-color-scheme), so each theme is an emulated colour scheme.

type Scheme = "light" | "dark";

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({
      id: violation.id,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(" ")),
    }));
}

async function createAssistant(page: Page, name: string) {
  await visit(page, "/assistants/new");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Tag line").fill("Checks every page");
  await page.getByLabel("Description").fill("An assistant made for the accessibility check.");
  await page.getByLabel("Instructions").fill("Answer briefly.");
  await page.getByRole("button", { name: "Create assistant" }).click();
  await expect(page).toHaveURL(/\/assistants\/[\w-]+\?created=1$/);
  return new URL(page.url()).pathname;
}

async function chatWithReply(page: Page) {
  await startChat(page);
  // The topic comes back in the reply, so the reply has inline code as well as a code block.
  await page.getByLabel("Message").fill("the `reduce` method");
  await page.getByLabel("Message").press("Enter");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Conversation" })).toContainText("Keep what works");
}

const PAGES: { name: string; signedIn: boolean; open: (page: Page, scheme: Scheme) => Promise<unknown> }[] = [
  { name: "the home page", signedIn: false, open: (page) => visit(page, "/") },
  {
    name: "a refused sign-in",
    signedIn: false,
    open: async (page) => {
      await visit(page, "/");
      await page.getByLabel("OpenAI API key").fill(`sk-fake-rejected-${newKey()}`);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("alert")).toBeVisible();
    },
  },
  {
    name: "a sign-in on the way to a chat",
    signedIn: false,
    open: (page) => visit(page, "/?redirectTo=%2Fsessions%2Fx"),
  },
  { name: "a 404 signed out", signedIn: false, open: (page) => visit(page, "/no-such-page") },
  { name: "the gallery", signedIn: true, open: (page) => visit(page, "/assistants") },
  { name: "the lab", signedIn: true, open: (page) => visit(page, "/assistants/new") },
  { name: "an assistant's page", signedIn: true, open: (page, scheme) => createAssistant(page, `Checker ${scheme}`) },
  {
    name: "an assistant's edit page",
    signedIn: true,
    open: async (page, scheme) => visit(page, `${await createAssistant(page, `Editor ${scheme}`)}/edit`),
  },
  { name: "a chat with a reply", signedIn: true, open: chatWithReply },
  {
    name: "the history",
    signedIn: true,
    open: async (page) => {
      await chatWithReply(page);
      await visit(page, "/sessions");
    },
  },
  { name: "the usage page", signedIn: true, open: (page) => visit(page, "/usage") },
  { name: "a 404 signed in", signedIn: true, open: (page) => visit(page, "/no-such-page") },
];

for (const scheme of ["light", "dark"] as const) {
  test.describe(`in ${scheme} mode`, () => {
    test.use({ colorScheme: scheme });

    for (const { name, signedIn, open } of PAGES) {
      test(`${name} has no serious or critical accessibility violations`, async ({ page }) => {
        if (signedIn) await signIn(page);
        await open(page, scheme);
        expect(await seriousViolations(page)).toEqual([]);
      });
    }
  });
}
