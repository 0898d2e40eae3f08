import type { ActionFunctionArgs } from "@remix-run/node";
import { createCompletion } from "~/chat/openai-completions.server";
import { bearerOf } from "~/identity/bearer.server";
import { clientAddress } from "~/utils/client-address.server";
import { openAiError } from "~/utils/openai-error";

// POST /v1/chat/completions: call an assistant with any OpenAI client.
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return openAiError(405, "Use POST.", "invalid_request_error", "method_not_allowed");
  const bearer = bearerOf(request, clientAddress(context));
  if (bearer instanceof Response) return bearer;
  return createCompletion(request, bearer, context.shutdownSignal);
}

export function loader() {
  return openAiError(405, "Use POST.", "invalid_request_error", "method_not_allowed");
}
