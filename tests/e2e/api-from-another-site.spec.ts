import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { newKey } from "./helpers";

// A page on another site calls the API from the browser with a key it holds:
// CORS must let the preflight, the calls and the headers it reads through.

/** A page that lists the caller's models, asks the Patient Tutor, and shows the reply and its session. */
function pageCalling(api: string) {
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Another site</title></head>
  <body>
    <form id="ask">
      <label>API key <input name="key" autocomplete="off"></label>
      <label>Message <input name="message"></label>
      <button>Ask</button>
    </form>
    <section aria-label="Reply"><p id="reply"></p><p>Session: <span id="session"></span></p></section>
    <script>
      const api = ${JSON.stringify(api)};
      document.getElementById("ask").addEventListener("submit", async (event) => {
        event.preventDefault();
        const form = new FormData(event.target);
        const headers = { Authorization: "Bearer " + form.get("key"), "Content-Type": "application/json" };
        try {
          const models = await (await fetch(api + "/models", { headers })).json();
          const tutor = models.data.find((model) => model.name === "Patient Tutor");
          const response = await fetch(api + "/chat/completions", {
            method: "POST",
            headers,
            body: JSON.stringify({ model: tutor.id, messages: [{ role: "user", content: form.get("message") }] }),
          });
          const completion = await response.json();
          document.getElementById("reply").textContent = completion.choices[0].message.content;
          document.getElementById("session").textContent = response.headers.get("X-Session-Id") ?? "unreadable";
        } catch (error) {
          document.getElementById("reply").textContent = "The call failed: " + error.message;
        }
      });
    </script>
  </body>
</html>`;
}

let site: http.Server;
let siteUrl: string;

test.beforeAll(async ({ baseURL }) => {
  const html = pageCalling(`${baseURL}/v1`);
  site = http.createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end(html));
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
});

test.afterAll(() => new Promise<void>((resolve) => site.close(() => resolve())));

test("a page on another site chats with an assistant through /v1 with its own key", async ({ page, baseURL }) => {
  expect(new URL(siteUrl).origin).not.toBe(new URL(baseURL!).origin);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));

  await page.goto(siteUrl);
  await page.getByLabel("API key").fill(newKey());
  await page.getByLabel("Message").fill("tea from another site");
  await page.getByRole("button", { name: "Ask" }).click();

  const reply = page.getByRole("region", { name: "Reply" });
  await expect(reply).toContainText("Thanks for asking about **tea from another site**", { timeout: 20_000 });
  // The session id is one of the headers the API lets other sites read.
  await expect(page.locator("#session")).toHaveText(/^[\w-]{10,}$/);
  expect(errors).toEqual([]);
});
