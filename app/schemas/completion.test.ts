import { expect, test } from "vitest";
import { CompletionRequestSchema, unknownParameter } from "./completion";

// What /v1/chat/completions says of a parameter it will not take.

const refusalOf = (body: Record<string, unknown>) => {
  const result = CompletionRequestSchema.safeParse({
    model: "m",
    messages: [{ role: "user", content: "Hi" }],
    ...body,
  });
  return result.success ? null : unknownParameter(result.error.issues[0]!);
};

test("a parameter the product knows and refuses says why; an unknown one reads as the real API's", () => {
  expect(refusalOf({ functions: [] })).toEqual({
    message: "'functions' is deprecated: send 'tools' instead.",
    field: "functions",
  });
  expect(refusalOf({ frobnicate: 1 })).toEqual({
    message: "Unrecognized request argument supplied: frobnicate",
    field: "frobnicate",
  });
});

test("a body's own __proto__ key is an unknown parameter, not a lookup on Object.prototype", () => {
  const body = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
  expect(refusalOf(body)).toEqual({ message: "Unrecognized request argument supplied: __proto__", field: "__proto__" });
});
