import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { unknownUrl } from "~/utils/openai-error";

// Any other path under /v1: OpenAI's "Invalid URL" error as JSON, never the
// app's HTML 404 page. The API's own routes are more specific, so they match first.
export function loader({ request }: LoaderFunctionArgs) {
  return unknownUrl(request);
}

export function action({ request }: ActionFunctionArgs) {
  return unknownUrl(request);
}
