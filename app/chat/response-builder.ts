import type { ChatCompletionChunk } from "openai/resources/chat/completions";

// A Responses API response, built as a turn streams: its output items (one
// message for the text, one function call per tool call, in the order they
// began) and the events that announce them, in the order and shape the
// official clients need (each event numbered; an item added before its
// deltas, a message's content part before its text, every item done before
// the response ends; `response.completed` carries the whole output).

export type ResponseUsage = {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
};

type MessageItem = {
  type: "message";
  id: string;
  status: "in_progress" | "completed" | "incomplete";
  role: "assistant";
  content: { type: "output_text"; text: string; annotations: unknown[] }[];
};
type FunctionCallItem = {
  type: "function_call";
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: "in_progress" | "completed" | "incomplete";
};
export type OutputItem = MessageItem | FunctionCallItem;

/** The fields a response echoes from its request, and its identity. */
export type ResponseBase = {
  id: string;
  created_at: number;
  model: string;
  messageId: string;
  instructions: string | null;
  max_output_tokens: number | null;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  temperature: number | null;
  top_p: number | null;
  text: unknown;
  tool_choice: unknown;
  tools: unknown[];
  metadata: Record<string, string>;
  user: string | null;
};

export type Ending =
  | { status: "completed"; usage: ResponseUsage }
  | { status: "incomplete"; reason: "max_output_tokens" | "content_filter"; usage: ResponseUsage }
  | { status: "failed"; error: { code: string; message: string }; usage: ResponseUsage | null };

type Emit = (event: Record<string, unknown>) => void;

export class ResponseBuilder {
  private sequence = 0;
  private readonly output: OutputItem[] = [];
  private message: MessageItem | null = null;
  /** Tool calls by their index in the Chat Completions stream. */
  private readonly calls = new Map<number, FunctionCallItem>();
  private readonly base: ResponseBase;
  private readonly emit: Emit;

  constructor(base: ResponseBase, emit: Emit = () => undefined) {
    this.base = base;
    this.emit = emit;
  }

  begin() {
    const response = this.response({ status: "in_progress" });
    this.send("response.created", { response });
    this.send("response.in_progress", { response });
  }

  text(delta: string) {
    const message = this.openMessage();
    message.content[0]!.text += delta;
    this.send("response.output_text.delta", {
      item_id: message.id,
      output_index: this.output.indexOf(message),
      content_index: 0,
      delta,
      logprobs: [],
    });
  }

  /** A piece of a streamed tool call: its id and name first, then its arguments in pieces. */
  toolCall(fragment: ChatCompletionChunk.Choice.Delta.ToolCall) {
    let call = this.calls.get(fragment.index);
    if (!call) {
      call = {
        type: "function_call",
        // The call's own id names its item, so a replay of the stored response gives it the same one.
        id: `fc_${fragment.id || `${this.base.messageId}${fragment.index}`}`,
        call_id: fragment.id ?? "",
        name: fragment.function?.name ?? "",
        arguments: "",
        status: "in_progress",
      };
      this.calls.set(fragment.index, call);
      this.output.push(call);
      this.send("response.output_item.added", { output_index: this.output.indexOf(call), item: { ...call } });
    }
    const delta = fragment.function?.arguments;
    if (!delta) return;
    call.arguments += delta;
    this.send("response.function_call_arguments.delta", {
      item_id: call.id,
      output_index: this.output.indexOf(call),
      delta,
    });
  }

  /**
   * Closes every item and ends the response; returns it as its last event
   * carried it. A failure is announced first as an `error` event (clients
   * raise it as their API error), then ends as `response.failed`.
   */
  end(ending: Ending) {
    const itemStatus = ending.status === "completed" ? "completed" : "incomplete";
    for (const item of this.output) this.closeItem(item, itemStatus);
    if (ending.status === "failed") {
      this.send("error", { code: ending.error.code, message: ending.error.message, param: null });
    }
    const response = this.response(ending);
    this.send(`response.${ending.status}`, { response });
    return response;
  }

  private openMessage(): MessageItem {
    if (this.message) return this.message;
    const message: MessageItem = {
      type: "message",
      id: `msg_${this.base.messageId}`,
      status: "in_progress",
      role: "assistant",
      content: [],
    };
    this.message = message;
    this.output.push(message);
    const output_index = this.output.indexOf(message);
    this.send("response.output_item.added", { output_index, item: { ...message, content: [] } });
    message.content.push({ type: "output_text", text: "", annotations: [] });
    this.send("response.content_part.added", {
      item_id: message.id,
      output_index,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [], logprobs: [] },
    });
    return message;
  }

  private closeItem(item: OutputItem, status: "completed" | "incomplete") {
    const output_index = this.output.indexOf(item);
    item.status = status;
    if (item.type === "message") {
      const { text } = item.content[0]!;
      this.send("response.output_text.done", { item_id: item.id, output_index, content_index: 0, text, logprobs: [] });
      this.send("response.content_part.done", {
        item_id: item.id,
        output_index,
        content_index: 0,
        part: { type: "output_text", text, annotations: [], logprobs: [] },
      });
    } else {
      this.send("response.function_call_arguments.done", {
        item_id: item.id,
        output_index,
        arguments: item.arguments,
      });
    }
    this.send("response.output_item.done", { output_index, item: structuredClone(item) });
  }

  private response(
    state: { status: "in_progress" } | Ending,
  ): Record<string, unknown> & { status: string; output: OutputItem[] } {
    const { messageId: _messageId, ...echo } = this.base;
    const ended = state.status !== "in_progress";
    return {
      ...echo,
      object: "response",
      status: state.status,
      completed_at: state.status === "completed" ? Math.floor(Date.now() / 1000) : null,
      background: false,
      error: state.status === "failed" ? state.error : null,
      incomplete_details: state.status === "incomplete" ? { reason: state.reason } : null,
      output: structuredClone(this.output),
      reasoning: { effort: null, summary: null },
      store: true,
      truncation: "disabled",
      usage: ended ? state.usage : null,
    };
  }

  private send(type: string, fields: Record<string, unknown>) {
    this.emit({ type, sequence_number: this.sequence++, ...fields });
  }
}

/** Feeds a finished response's items to a builder again: a repeated call's stream, told from what was stored. */
export function replayItems(builder: ResponseBuilder, output: OutputItem[]) {
  output.forEach((item, index) => {
    if (item.type === "message") builder.text(item.content.map((part) => part.text).join(""));
    else builder.toolCall({ index, id: item.call_id, function: { name: item.name, arguments: item.arguments } });
  });
}
