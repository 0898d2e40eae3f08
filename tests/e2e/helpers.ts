import { randomUUID } from "node:crypto";
import { expect, type Page } from "@playwright/test";

export function newKey(prefix = "sk-test") {
  return `${prefix}-${randomUUID()}`;
}

/** Loads a page and waits until React has hydrated it, so typing and clicks reach the app. */
export async function visit(page: Page, url: string) {
  const response = await page.goto(url);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  return response;
}

export async function signIn(page: Page, key = newKey()) {
  await visit(page, "/");
  await page.getByLabel("OpenAI API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/assistants/);
  return key;
}

/** Starts a chat with a showcase assistant from the gallery, and waits until its page is interactive. */
export async function startChat(page: Page, assistant = "Patient Tutor") {
  await visit(page, "/assistants");
  await page.getByRole("button", { name: `Chat with ${assistant}` }).click();
  await expect(page).toHaveURL(/\/sessions\/[\w-]+$/);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  return page.url();
}

const FAKE_PROVIDER = `http://127.0.0.1:${process.env.E2E_FAKE_PORT ?? 4311}`;

/** A chat completion as the fake provider received it. */
export type ProviderRequest = Record<string, unknown> & { messages: { role: string; content: unknown }[] };

/** The last chat completion the fake provider received whose messages carry `text`. */
export async function providerRequestWith(page: Page, text: string): Promise<ProviderRequest> {
  type Recorded = { path: string; body: ProviderRequest };
  const requests = (await (await page.request.get(`${FAKE_PROVIDER}/__fake/requests`)).json()) as Recorded[];
  const found = requests.findLast(
    (request) => request.path === "/v1/chat/completions" && JSON.stringify(request.body.messages).includes(text),
  );
  expect(found, `the provider received "${text}"`).toBeDefined();
  return found!.body;
}
