import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { authenticate } from "~/identity/bearer.server";
import { listModels } from "~/models/api-models.server";
import { clientAddress } from "~/utils/client-address.server";
import { methodNotAllowed } from "~/utils/openai-error";

// GET /v1/models: the assistants the caller may use, as OpenAI models.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const caller = await authenticate(request, clientAddress(context));
  if (caller instanceof Response) return caller;
  return Response.json({ object: "list", data: await listModels(caller) });
}

export function action({ request }: ActionFunctionArgs) {
  return methodNotAllowed(request, ["GET"]);
}
