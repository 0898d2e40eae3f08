import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { createCompletion } from "~/chat/openai-completions.server";
import { bearerOf } from "~/identity/bearer.server";
import { clientAddress } from "~/utils/client-address.server";
import { methodNotAllowed } from "~/utils/openai-error";

// POST /v1/chat/completions: call an assistant with any OpenAI client.
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const bearer = bearerOf(request, clientAddress(context));
  if (bearer instanceof Response) return bearer;
  return createCompletion(request, bearer, context.shutdownSignal);
}

export function loader({ request }: LoaderFunctionArgs) {
  return methodNotAllowed(request, ["POST"]);
}
