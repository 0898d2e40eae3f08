import type { AppLoadContext } from "@remix-run/node";

export function clientAddress(context: AppLoadContext): string {
  return context.clientAddress ?? "unknown";
}
