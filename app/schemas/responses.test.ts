import { describe, expect, test } from "vitest";
import {
  completionParametersOf,
  messagesOf,
  ResponsesRequestSchema,
  unknownResponsesParameter,
  UntranslatableInput,
} from "./responses";

// The Responses API's request translated into Chat Completions, item by item.

const request = (body: Record<string, unknown>) => ResponsesRequestSchema.parse({ model: "bot", ...body });

describe("input items become Chat Completions messages", () => {
  test("a string is the user's message, after the caller's instructions", () => {
    expect(messagesOf(request({ instructions: "Be brief.", input: "Hi" }))).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ]);
  });

  test("a reply's text and the calls it made are one assistant message; outputs are tool messages", () => {
    const body = request({
      input: [
        { role: "user", content: [{ type: "input_text", text: "Weather?" }] },
        {
          type: "message",
          id: "msg_1",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: "Let me look.", annotations: [] }],
        },
        { type: "function_call", id: "fc_1", call_id: "call_a", name: "weather", arguments: '{"city":"Oslo"}' },
        { type: "function_call", call_id: "call_b", name: "weather", arguments: '{"city":"Rome"}' },
        { type: "reasoning", id: "rs_1", summary: [] },
        { type: "function_call_output", call_id: "call_a", output: "cold" },
        { type: "function_call_output", call_id: "call_b", output: [{ type: "input_text", text: "warm" }] },
      ],
    });
    expect(messagesOf(body)).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather?" }] },
      {
        role: "assistant",
        content: "Let me look.",
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } },
          { id: "call_b", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_a", content: "cold" },
      { role: "tool", tool_call_id: "call_b", content: "warm" },
    ]);
  });

  test("an image by URL is an image part; a reference is the text it was looked up to", () => {
    const body = request({
      input: [
        { type: "item_reference", id: "msg_x" },
        {
          role: "user",
          content: [
            { type: "input_text", text: "What is this?" },
            { type: "input_image", image_url: "https://example.com/a.png", detail: "low" },
          ],
        },
      ],
    });
    expect(messagesOf(body, new Map([["msg_x", "Earlier answer"]]))).toEqual([
      { role: "assistant", content: "Earlier answer" },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
        ],
      },
    ]);
  });

  test("what Chat Completions cannot carry is refused where it is", () => {
    const refusal = (input: unknown[]) => {
      try {
        messagesOf(request({ input }));
        return null;
      } catch (error) {
        return error instanceof UntranslatableInput ? error.param : error;
      }
    };
    expect(refusal([{ type: "item_reference", id: "msg_unknown" }])).toBe("input[0].id");
    expect(refusal([{ role: "user", content: [{ type: "input_file", file_id: "f" }] }])).toBe("input[0].content[0]");
    expect(refusal([{ role: "user", content: [{ type: "input_image", file_id: "f" }] }])).toBe("input[0].content[0]");
    expect(refusal([{ role: "system", content: [{ type: "input_image", image_url: "x" }] }])).toBe(
      "input[0].content[0]",
    );
  });
});

describe("parameters become Chat Completions parameters", () => {
  test("tools, tool choice, output format and limits", () => {
    const parameters = completionParametersOf(
      request({
        input: "hi",
        max_output_tokens: 50,
        temperature: 0.2,
        reasoning: { effort: "low" },
        tools: [{ type: "function", name: "f", description: "d", parameters: { type: "object" }, strict: true }],
        tool_choice: { type: "function", name: "f" },
        parallel_tool_calls: false,
        text: { format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true } },
      }),
    );
    expect(parameters).toEqual({
      max_completion_tokens: 50,
      temperature: 0.2,
      reasoning_effort: "low",
      tools: [
        { type: "function", function: { name: "f", description: "d", parameters: { type: "object" }, strict: true } },
      ],
      tool_choice: { type: "function", function: { name: "f" } },
      parallel_tool_calls: false,
      response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object" }, strict: true } },
    });
  });

  test("a tool the provider runs itself is refused by position", () => {
    expect(() => completionParametersOf(request({ input: "hi", tools: [{ type: "web_search" }] }))).toThrow(
      "Only function tools are supported",
    );
  });

  test("a parameter without a translation is named", () => {
    const refusalOf = (body: Record<string, unknown>) => {
      const result = ResponsesRequestSchema.safeParse({ model: "bot", input: "hi", ...body });
      return result.success ? null : unknownResponsesParameter(result.error.issues[0]!);
    };
    expect(refusalOf({ conversation: "c" })?.message).toContain("previous_response_id");
    expect(refusalOf({ frobnicate: 1 })).toEqual({ message: "Unknown parameter: 'frobnicate'.", field: "frobnicate" });
  });
});
