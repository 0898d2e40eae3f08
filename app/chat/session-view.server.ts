import type { ChatSession, StoredMessage } from "~/models/sessions.server";
import { STATUS } from "~/models/sessions.server";
import { SESSION_TYPES } from "~/schemas/assistant";

// What pages and downloads show of a session: plain data, dates as ISO strings.

export const STATUS_LABELS: Record<number, string> = {
  [STATUS.started]: "In progress",
  [STATUS.completed]: "Concluded",
  [STATUS.userAbandoned]: "Abandoned",
  [STATUS.systemAbandoned]: "Closed",
  [STATUS.providerError]: "Provider error",
};

export function sessionView(session: ChatSession) {
  return {
    id: session.id,
    botId: session.bot_id,
    botName: session.bot_name,
    title: session.title ?? "New chat",
    model: session.bot_model_config.model,
    sessionType: SESSION_TYPES[session.bot_session_type].label,
    status: session.status,
    statusLabel: STATUS_LABELS[session.status] ?? "Unknown",
    concluded: session.status === STATUS.completed,
    messageCount: session.message_count,
    tokens: session.prompt_tokens + session.completion_tokens,
    cost: session.cost_usd,
    unpricedTokens: session.unpriced_tokens,
    rating: session.rating,
    recap: session.recap,
    unreadable: session.unreadable,
    created: session.created_date?.toDate().toISOString() ?? new Date(0).toISOString(),
    source: session.source,
  };
}

export type SessionView = ReturnType<typeof sessionView>;

/** A function the assistant called (an API caller's tool), as the transcript shows it. */
export type ToolCallView = { id: string; name: string; arguments: string };

export function messageView(message: StoredMessage) {
  return {
    id: message.id,
    role: message.role,
    content: message.content ?? "(this message could not be decrypted)",
    toolCalls: (message.tool_calls ?? []).map((call): ToolCallView => ({
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    })),
    toolCallId: message.tool_call_id,
    status: message.status,
    model: message.model,
    promptTokens: message.prompt_tokens,
    completionTokens: message.completion_tokens,
    cost: message.cost_usd,
    error: message.error_message,
    created: message.created_date?.toDate().toISOString() ?? null,
  };
}

export type MessageView = ReturnType<typeof messageView>;

export function transcriptMarkdown(session: SessionView, messages: MessageView[]): string {
  const lines = [
    `# ${session.title}`,
    "",
    `- Assistant: ${session.botName}`,
    `- Model: ${session.model}`,
    `- Started: ${session.created}`,
    `- Status: ${session.statusLabel}`,
    "",
  ];
  for (const message of messages) {
    const speaker =
      message.role === "user"
        ? "You"
        : message.role === "tool"
          ? `Tool result (${message.toolCallId})`
          : session.botName;
    lines.push(`## ${speaker}`, "", message.content, "");
    for (const call of message.toolCalls) lines.push(`- Called \`${call.name}(${call.arguments})\` (${call.id})`, "");
    if (message.status === "interrupted") lines.push("_(stopped before it finished)_", "");
    if (message.error) lines.push(`_(${message.error})_`, "");
  }
  if (session.recap) lines.push("## Recap", "", session.recap, "");
  return lines.join("\n");
}
