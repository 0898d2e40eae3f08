import { expect, test, type Page } from "@playwright/test";
import { signIn, visit } from "./helpers";

type Watched = { violations: string[]; errors: string[] };

/** Records, across navigations, every policy violation the page reports and every console error. */
async function watch(page: Page): Promise<Watched> {
  const watched: Watched = { violations: [], errors: [] };
  await page.exposeBinding("reportViolation", (_source, text: string) => void watched.violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { reportViolation: (text: string) => void }).reportViolation;
      report(`${event.effectiveDirective} blocked ${event.blockedURI} (${event.sourceFile}:${event.lineNumber})`);
    });
  });
  page.on("console", (message) => {
    if (message.type() === "error") watched.errors.push(message.text());
  });
  page.on("pageerror", (error) => watched.errors.push(error.message));
  return watched;
}

/** Loads a page under the strict policy and checks that React hydrated it. */
async function visitStrictly(page: Page, url: string) {
  const response = await visit(page, url);
  expect(response?.headers()["content-security-policy"]).toContain("'strict-dynamic'");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

const conversation = (page: Page) => page.getByRole("list", { name: "Conversation" });

test("the main pages and a streamed reply run under the policy without a violation or a console error", async ({
  page,
}) => {
  const watched = await watch(page);
  await visitStrictly(page, "/");
  await signIn(page);
  await visitStrictly(page, "/assistants");

  // The lab validates in the browser and streams a test drive.
  await visitStrictly(page, "/assistants/new");
  await page.getByLabel("Name").fill("Policy Checker");
  await page.getByLabel("Test message").fill("strict pages");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("region", { name: "Test drive" })).toContainText("Thanks for asking about strict pages");

  await visitStrictly(page, "/assistants");
  await page.getByRole("button", { name: "Chat with Patient Tutor" }).click();
  await expect(page).toHaveURL(/\/sessions\/[\w-]+$/);
  await page.getByLabel("Message").fill("hello under a policy");
  await page.getByLabel("Message").press("Enter");
  await expect(conversation(page)).toContainText("Thanks for asking about hello under a policy", { timeout: 20_000 });
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  // The reply's code block loads the syntax highlighter, a chunk of its own, under the same policy.
  await expect(conversation(page).locator("pre code.hljs .hljs-string").first()).toBeVisible();

  // The same chat loaded as a document, then the pages that list what the person did.
  await visitStrictly(page, page.url());
  await expect(conversation(page)).toContainText("Thanks for asking about hello under a policy");
  await visitStrictly(page, "/sessions");
  await visitStrictly(page, "/usage");

  expect(watched.violations).toEqual([]);
  expect(watched.errors).toEqual([]);
});

test("a script or event handler injected into the page without the nonce does not run", async ({ page }) => {
  const watched = await watch(page);
  // As if a stored value slipped through escaping: markup in the page the server sent, under its
  // real headers. (A script appended through page.evaluate would prove nothing: Chromium lets
  // what DevTools inserts run.)
  await page.route("/", async (route) => {
    const response = await route.fetch();
    const injected =
      '<script>window.injectedScriptRan = true</script><img src="/no-such-image.png" onerror="window.injectedHandlerRan = true">';
    await route.fulfill({ response, body: (await response.text()).replace("</body>", `${injected}</body>`) });
  });
  const response = await page.goto("/");
  expect(response?.headers()["content-security-policy"]).toContain("'strict-dynamic'");

  await expect.poll(() => watched.violations.length).toBeGreaterThanOrEqual(2);
  expect(watched.violations.join("\n")).toMatch(/script-src-elem blocked inline/);
  expect(watched.violations.join("\n")).toMatch(/script-src-attr blocked inline/);
  const ran = await page.evaluate(() => {
    const flags = window as unknown as { injectedScriptRan?: boolean; injectedHandlerRan?: boolean };
    return { script: flags.injectedScriptRan ?? false, handler: flags.injectedHandlerRan ?? false };
  });
  expect(ran).toEqual({ script: false, handler: false });
  // The page's own scripts, which carry the nonce, still ran.
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
});
