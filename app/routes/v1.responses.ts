import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { createResponse } from "~/chat/openai-responses.server";
import { bearerOf } from "~/identity/bearer.server";
import { clientAddress } from "~/utils/client-address.server";
import { methodNotAllowed } from "~/utils/openai-error";

// POST /v1/responses: call an assistant with the Responses API (the default of the AI SDK and the Agents SDK).
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed(request, ["POST"]);
  const bearer = bearerOf(request, clientAddress(context));
  if (bearer instanceof Response) return bearer;
  return createResponse(request, bearer, context.shutdownSignal);
}

export function loader({ request }: LoaderFunctionArgs) {
  return methodNotAllowed(request, ["POST"]);
}
