import type { ActionFunctionArgs } from "@remix-run/node";
import { getUser } from "~/models/users.server";
import { modelConfigSchema } from "~/schemas/assistant";
import { ChatRequestSchema, type DraftChat } from "~/schemas/chat";
import { streamReply } from "~/chat/stream.server";
import { costOf } from "~/provider/models.server";
import { sessionTurn, settleTurn } from "~/chat/session-turn.server";
import { apiError, readJsonBody } from "~/utils/request-body.server";
import { consumeChatTurn } from "~/identity/rate-limit.server";
import { describeWait } from "~/utils/format";
import { getSignedInUser, type SignedInUser } from "~/identity/cookie.server";

// The one streaming route: a reply as Server-Sent Events (see app/utils/chat-events.ts).

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") throw apiError(405, "method_not_allowed", "Use POST.");
  const user = await getSignedInUser(request);
  if (!user) throw apiError(401, "signed_out", "Your session has ended. Sign in again to keep chatting.");
  const body = await readJsonBody(request, ChatRequestSchema);
  if (body.mode === "settle") return settleTurn(user, body);

  const limit = await consumeChatTurn(user.userId);
  if (!limit.allowed) {
    throw apiError(
      429,
      "too_many_messages",
      `You are sending messages too fast. Try again in ${describeWait(limit.retryAfterSeconds)}.`,
      {
        headers: { "Retry-After": String(limit.retryAfterSeconds) },
      },
    );
  }
  const shutdown = context.shutdownSignal;
  return body.mode === "session"
    ? sessionTurn(request, user, body, shutdown)
    : testDrive(request, user, body, shutdown);
}

/** A test drive chats with unsaved settings and saves nothing. */
async function testDrive(request: Request, user: SignedInUser, body: DraftChat, shutdown?: AbortSignal) {
  const account = await getUser(user.userId);
  if (!account) throw apiError(401, "signed_out", "Your session has ended. Sign in again to keep chatting.");
  const config = modelConfigSchema(account.chat_models).safeParse(body.draft);
  if (!config.success) {
    const issue = config.error.issues[0]!;
    throw apiError(400, "invalid_request", `Fix the lab's settings first: ${issue.message}`, {
      field: issue.path.join("."),
    });
  }
  const instructions = body.draft.instructions.trim();
  return streamReply({
    apiKey: user.apiKey,
    signal: request.signal,
    shutdown,
    costOf,
    params: {
      ...config.data,
      messages: [...(instructions ? [{ role: "system" as const, content: instructions }] : []), ...body.messages],
    },
  });
}

export function loader() {
  return apiError(405, "method_not_allowed", "Send messages with POST.", { headers: { Allow: "POST" } });
}
