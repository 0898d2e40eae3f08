import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { bearerOf } from "~/identity/bearer.server";
import { findModel } from "~/models/api-models.server";
import { clientAddress } from "~/utils/client-address.server";
import { methodNotAllowed, openAiError } from "~/utils/openai-error";

// GET /v1/models/{id} (the SDKs' models.retrieve): one assistant as an OpenAI
// model. The caller and the assistant are read together; a caller who is not
// let in learns nothing about the assistant.
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const bearer = bearerOf(request, clientAddress(context));
  if (bearer instanceof Response) return bearer;
  const modelId = params.modelId!;
  const [caller, model] = await Promise.all([bearer.caller, findModel(modelId)]);
  if (caller instanceof Response) return caller;
  if (!model) {
    return openAiError(
      404,
      `The model \`${modelId}\` does not exist or you do not have access to it.`,
      "invalid_request_error",
      "model_not_found",
      { param: "model" },
    );
  }
  return Response.json(model);
}

export function action({ request }: ActionFunctionArgs) {
  return methodNotAllowed(request, ["GET"]);
}
