import { describe, expect, test } from "vitest";
import { BODY_LIMITS } from "./body-limits";
import { keepFormFields, parseJsonBody, readForm } from "./request-body.server";
import { z } from "zod";

const shape = { fields: ["name", "starter_prompts"], lists: { starter_prompts: 4 } };

async function refusal(work: () => unknown): Promise<{ status: number; text: string }> {
  try {
    await work();
  } catch (thrown) {
    if (thrown instanceof Response) return { status: thrown.status, text: await thrown.text() };
    throw thrown;
  }
  throw new Error("expected a refusal");
}

function formRequest(body: BodyInit, type = "application/x-www-form-urlencoded", path = "/assistants/new") {
  return new Request(`http://localhost${path}`, { method: "POST", body, headers: { "Content-Type": type } });
}

describe("forms", () => {
  test("only the form's own fields are kept, so nothing else is echoed back", () => {
    const kept = keepFormFields(
      [
        ["name", "Coach"],
        ["junk", "x"],
        ["starter_prompts[1]", "b"],
        ["__proto__", "x"],
      ],
      shape,
    );
    expect([...kept.entries()]).toEqual([
      ["name", "Coach"],
      ["starter_prompts[1]", "b"],
    ]);
  });

  test("a list index past the list's size is refused, however large", async () => {
    for (const name of ["starter_prompts[4]", "starter_prompts[1000000]", "starter_prompts[99999999999999999999]"]) {
      const found = await refusal(() => keepFormFields([[name, "x"]], shape));
      expect(found.status).toBe(400);
      expect(found.text).toMatch(/more starter prompts than the 4 allowed/);
    }
  });

  test("a field that is not a list, sent twice, is refused", async () => {
    const entries: [string, string][] = [
      ["name", "Coach"],
      ["name", "Other"],
    ];
    expect(await refusal(() => keepFormFields(entries, shape))).toEqual({
      status: 400,
      text: "The form has more than one name.",
    });
  });

  test("a value far past any limit is cut, so it is not echoed back whole, and stays past the limit", () => {
    const kept = keepFormFields([["name", "x".repeat(100_000)]], { ...shape, maxChars: { name: 41 } });
    expect(kept.get("name")).toHaveLength(41);
    // Emoji are cut whole: still past a 40-unit limit, with no half of a pair left over.
    const emoji = keepFormFields([["name", "😀".repeat(5_000)]], { ...shape, maxChars: { name: 41 } }).get(
      "name",
    ) as string;
    expect(Array.from(emoji)).toHaveLength(41);
    expect(emoji.length).toBeGreaterThan(40);
    expect(emoji).not.toMatch(/\p{Cs}/u);
  });

  test("more repeated list values than the list holds are refused", async () => {
    const entries = Array.from({ length: 5 }, (): [string, string] => ["starter_prompts", "x"]);
    expect((await refusal(() => keepFormFields(entries, shape))).status).toBe(400);
  });

  test("a flood of fields is refused", async () => {
    const entries = Array.from({ length: 1_000 }, (_, i): [string, string] => [`junk${i}`, "x"]);
    expect((await refusal(() => keepFormFields(entries, shape))).status).toBe(413);
  });

  test("a body past the form limit is refused whether or not it says how long it is", async () => {
    const big = "name=" + "x".repeat(BODY_LIMITS.form);
    expect((await refusal(() => readForm(formRequest(big), shape))).status).toBe(413);
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 200; i += 1) controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
        controller.close();
      },
    });
    const request = new Request("http://localhost/assistants/new", {
      method: "POST",
      body: chunked,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      duplex: "half",
    } as RequestInit);
    expect((await refusal(() => readForm(request, shape))).status).toBe(413);
  });

  test("anything but a web form is 415", async () => {
    const found = await refusal(() => readForm(formRequest('{"name":"x"}', "application/json"), shape));
    expect(found).toEqual({ status: 415, text: "This address accepts only web forms." });
  });

  test("multipart forms are read too, without their files", async () => {
    const body = new FormData();
    body.append("name", "Coach");
    body.append("starter_prompts[0]", new Blob(["file"]), "a.txt");
    const form = await readForm(new Request("http://localhost/assistants/new", { method: "POST", body }), shape);
    expect([...form.entries()]).toEqual([["name", "Coach"]]);
  });
});

describe("JSON bodies", () => {
  const schema = z.object({ message: z.string() });

  test("JSON sent as text/plain is refused when the route asks for strict types", async () => {
    const request = new Request("http://localhost/api/chat", {
      method: "POST",
      body: '{"message":"hi"}',
      headers: { "Content-Type": "text/plain" },
    });
    expect(await parseJsonBody(request, schema, { strictType: true })).toMatchObject({ ok: false, status: 415 });
  });

  test("a body over the route's limit is 413 and one that is not JSON is 400", async () => {
    const huge = new Request("http://localhost/api/chat", {
      method: "POST",
      body: "x".repeat(BODY_LIMITS.chat + 1),
      headers: { "Content-Type": "application/json" },
    });
    expect(await parseJsonBody(huge, schema)).toMatchObject({ ok: false, status: 413 });
    const broken = new Request("http://localhost/api/chat", {
      method: "POST",
      body: "{",
      headers: { "Content-Type": "application/json" },
    });
    expect(await parseJsonBody(broken, schema)).toMatchObject({ ok: false, status: 400, code: "invalid_json" });
  });
});
