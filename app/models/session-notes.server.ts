import { withDeadline } from "~/utils/db.server";
import { sessions } from "./sessions.server";

/**
 * The assistant's own model, when the session runs another because the
 * person's key could not use it (startSession records it); null otherwise.
 * The caller has checked that the session is the person's own.
 */
export async function modelFallbackOf(sessionId: string): Promise<string | null> {
  const snapshot = await withDeadline(sessions().doc(sessionId).get());
  const from: unknown = snapshot.get("model_fallback_from");
  return typeof from === "string" ? from : null;
}
