import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { visit } from "./helpers";

const goodKey = () => `sk-test-${randomUUID()}`;

test("the home page explains the product and asks for the key", async ({ page }) => {
  await visit(page, "/");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByText(/pay the provider only for what you use/)).toBeVisible();
  await expect(page.getByLabel("OpenAI API key")).toBeVisible();
});

test("a rejected key shows the message and stays on the page", async ({ page }) => {
  await visit(page, "/");
  const key = `sk-fake-rejected-${randomUUID()}`;
  await page.getByLabel("OpenAI API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("The provider rejected this API key");
  await expect(page).toHaveURL(/\/(\?index)?$/);
  // What the person typed is still there to correct.
  await expect(page.getByLabel("OpenAI API key")).toHaveValue(key);
});

test("an empty key is caught before it is sent", async ({ page }) => {
  await visit(page, "/");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Enter your OpenAI API key.")).toBeVisible();
  await expect(page).toHaveURL(/\/(\?index)?$/);
});

test("a good key lands on the assistants page, and sign out returns home", async ({ page, context }) => {
  await visit(page, "/");
  await page.getByLabel("OpenAI API key").fill(goodKey());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/assistants$/);
  await expect(page.getByRole("heading", { name: "Assistants" })).toBeVisible();

  const [cookie] = await context.cookies();
  expect(cookie).toMatchObject({ name: "al_session", httpOnly: true, sameSite: "Lax", secure: true });

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByLabel("OpenAI API key")).toBeVisible();
  expect(await context.cookies()).toEqual([]);

  // Signed out, the lab sends the person back to sign in.
  await page.goto("/assistants/new");
  await expect(page).toHaveURL(/\/\?redirectTo=%2Fassistants%2Fnew$/);
});

test("signing in from a link returns the person to where they were going", async ({ page }) => {
  await visit(page, "/assistants/new");
  await expect(page).toHaveURL(/redirectTo=%2Fassistants%2Fnew/);
  await page.getByLabel("OpenAI API key").fill(goodKey());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/assistants\/new$/);
});
