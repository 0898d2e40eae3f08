import type { ActionFunctionArgs } from "@remix-run/node";
import { createCompletion } from "~/chat/openai-completions.server";
import { clientAddress } from "~/utils/client-address.server";
import { authenticate, openAiError } from "~/identity/bearer.server";

// POST /v1/chat/completions: call an assistant with any OpenAI client.
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return openAiError(405, "Use POST.", "invalid_request_error", "method_not_allowed");
  const caller = await authenticate(request, clientAddress(context));
  if (caller instanceof Response) return caller;
  return createCompletion(request, caller, context.shutdownSignal);
}

export function loader() {
  return openAiError(405, "Use POST.", "invalid_request_error", "method_not_allowed");
}
