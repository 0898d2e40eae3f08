import { consumeChatTurn } from "~/identity/rate-limit.server";
import type { Caller } from "~/models/caller";
import { getUser } from "~/models/users.server";
import { settingsRulesOf } from "~/provider/models.server";
import { modelConfigSchema } from "~/schemas/assistant";
import type { DraftChat } from "~/schemas/chat";
import { apiError } from "~/utils/request-body.server";
import { refuseIfTooFast } from "./session-turn.server";
import { deployedProvider, type Turn } from "./turn.server";

// A test drive: the lab's unsaved settings and the conversation kept in the
// browser, run as the engine's turn with no store, so nothing is saved.

export async function testDriveTurn(
  caller: Caller,
  body: DraftChat,
  options: { signal: AbortSignal; shutdown?: AbortSignal },
): Promise<Turn> {
  const [limit, account] = await Promise.all([consumeChatTurn(caller.userHash), getUser(caller.userId)]);
  refuseIfTooFast(limit);
  if (!account) throw apiError(401, "signed_out", "Your session has ended. Sign in again to keep chatting.");
  const config = modelConfigSchema(account.chat_models, settingsRulesOf).safeParse(body.draft);
  if (!config.success) {
    const issue = config.error.issues[0]!;
    throw apiError(400, "invalid_request", `Fix the lab's settings first: ${issue.message}`, {
      field: issue.path.join("."),
    });
  }
  const instructions = body.draft.instructions.trim();
  return {
    request: {
      ...config.data,
      messages: [...(instructions ? [{ role: "system" as const, content: instructions }] : []), ...body.messages],
    },
    ...deployedProvider(caller.apiKey),
    signal: options.signal,
    shutdown: options.shutdown,
  };
}
