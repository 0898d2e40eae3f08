import { expect, test } from "vitest";
import { ResponseBuilder, type ResponseBase } from "./response-builder";

// The Responses API's events as a turn's text and tool calls arrive.

const base: ResponseBase = {
  id: "resp_s1m1",
  created_at: 1,
  model: "gpt-4o-mini",
  messageId: "s1m1",
  instructions: null,
  max_output_tokens: null,
  parallel_tool_calls: true,
  previous_response_id: null,
  temperature: null,
  top_p: null,
  text: { format: { type: "text" } },
  tool_choice: "auto",
  tools: [],
  metadata: {},
  user: null,
};
const usage = {
  input_tokens: 3,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 2,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: 5,
};

function record() {
  const events: Record<string, unknown>[] = [];
  return { events, builder: new ResponseBuilder(base, (event) => events.push(event)) };
}

test("every event is numbered in order, and each item is added before its deltas and done before the end", () => {
  const { events, builder } = record();
  builder.begin();
  builder.toolCall({ index: 0, id: "call_1", function: { name: "f", arguments: "" } });
  builder.toolCall({ index: 0, function: { arguments: '{"a":' } });
  builder.toolCall({ index: 0, function: { arguments: "1}" } });
  builder.text("Done");
  const response = builder.end({ status: "completed", usage });

  expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
  expect(events.map((event) => [event.type, event.output_index ?? null])).toEqual([
    ["response.created", null],
    ["response.in_progress", null],
    ["response.output_item.added", 0],
    ["response.function_call_arguments.delta", 0],
    ["response.function_call_arguments.delta", 0],
    // Text after the calls opens the message at the next index, as the items began.
    ["response.output_item.added", 1],
    ["response.content_part.added", 1],
    ["response.output_text.delta", 1],
    ["response.function_call_arguments.done", 0],
    ["response.output_item.done", 0],
    ["response.output_text.done", 1],
    ["response.content_part.done", 1],
    ["response.output_item.done", 1],
    ["response.completed", null],
  ]);
  expect(response.output).toEqual([
    { type: "function_call", id: "fc_call_1", call_id: "call_1", name: "f", arguments: '{"a":1}', status: "completed" },
    {
      type: "message",
      id: "msg_s1m1",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: "Done", annotations: [] }],
    },
  ]);
  expect(response).toMatchObject({ id: "resp_s1m1", object: "response", status: "completed", usage, error: null });
  // The created event carried the response as it then was: empty, in progress.
  expect(events[0]!.response).toMatchObject({ status: "in_progress", output: [], usage: null });
});

test("a reply cut by its token limit is incomplete, and says why", () => {
  const { events, builder } = record();
  builder.begin();
  builder.text("Partial");
  const response = builder.end({ status: "incomplete", reason: "max_output_tokens", usage });
  expect(events.at(-1)!.type).toBe("response.incomplete");
  expect(response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
  expect(response.output[0]!.status).toBe("incomplete");
});

test("a failed reply keeps what arrived and carries its error", () => {
  const { events, builder } = record();
  builder.begin();
  builder.text("Half");
  const response = builder.end({ status: "failed", error: { code: "server_error", message: "cut" }, usage: null });
  expect(events.slice(-2).map((event) => event.type)).toEqual(["error", "response.failed"]);
  expect(events.at(-2)).toMatchObject({ code: "server_error", message: "cut", param: null });
  expect(response).toMatchObject({ status: "failed", error: { code: "server_error", message: "cut" } });
});
