// Numbers as people read them, shared by every page that shows usage.

export function formatCost(dollars: number | null, unpricedTokens = 0): string {
  if (dollars === null) return "cost unknown";
  const amount =
    dollars === 0
      ? "$0.00"
      : dollars < 0.0001
        ? "< $0.0001"
        : dollars < 0.01
          ? `$${dollars.toFixed(4)}`
          : `$${dollars.toFixed(2)}`;
  return unpricedTokens > 0 ? `${amount} + cost unknown` : amount;
}

export function formatTokens(tokens: number): string {
  return `${tokens.toLocaleString("en-US")} token${tokens === 1 ? "" : "s"}`;
}

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
}
