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

/** A wait as people say it: seconds under a minute, whole minutes, then hours. */
export function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.ceil(minutes / 60);
  return `${hours} hours`;
}
