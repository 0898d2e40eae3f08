import { GeneralErrorBoundary } from "~/components/error-boundary";

// Any path no other route matches. Without this route Remix answers an unknown
// path from the root's error boundary, before the root loader runs, so the
// page lost the signed-in navigation; thrown from here, the 404 renders inside
// the layout like every other page.

function notFound(): never {
  throw new Response("Not found", { status: 404 });
}

export const loader = notFound;
export const action = notFound;

export default function NotFound() {
  return notFound();
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
