// Turns stored daily usage into what the usage page shows: a 30-day series,
// totals by assistant and by model, and this month against a subscription.

export const SUBSCRIPTION_USD = 20;
export const DAYS = 30;

export type UsageAmount = { tokens: number; cost_usd: number; unpriced_tokens: number };

export type UsageDay = UsageAmount & {
  date: string;
  by_bot: Record<string, UsageAmount & { name: string }>;
  by_model: Record<string, UsageAmount>;
};

type Amount = UsageAmount;
export type Day = UsageDay;

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The first day the page needs: 29 days ago or the first of the month, whichever is earlier. */
export function firstDayNeeded(today: Date): string {
  const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (DAYS - 1)));
  const month = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  return isoDay(start < month ? start : month);
}

function add(into: Amount, amount: Amount) {
  into.tokens += amount.tokens;
  into.cost_usd += amount.cost_usd;
  into.unpriced_tokens += amount.unpriced_tokens;
}

const zero = (): Amount => ({ tokens: 0, cost_usd: 0, unpriced_tokens: 0 });

export function summarizeUsage(days: Day[], today: Date) {
  const byDate = new Map(days.map((day) => [day.date, day]));
  const series = Array.from({ length: DAYS }, (_, index) => {
    const date = isoDay(
      new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (DAYS - 1 - index))),
    );
    const day = byDate.get(date);
    return { date, tokens: day?.tokens ?? 0, cost_usd: day?.cost_usd ?? 0 };
  });
  const inWindow = new Set(series.map((point) => point.date));
  const byBot = new Map<string, Amount & { name: string }>();
  const byModel = new Map<string, Amount>();
  const last30 = zero();
  for (const day of days.filter((entry) => inWindow.has(entry.date))) {
    add(last30, day);
    for (const [id, amount] of Object.entries(day.by_bot)) {
      const entry = byBot.get(id) ?? { ...zero(), name: amount.name };
      add(entry, amount);
      byBot.set(id, entry);
    }
    for (const [model, amount] of Object.entries(day.by_model)) {
      const entry = byModel.get(model) ?? zero();
      add(entry, amount);
      byModel.set(model, entry);
    }
  }
  const monthPrefix = isoDay(today).slice(0, 7);
  const month = zero();
  for (const day of days.filter((entry) => entry.date.startsWith(monthPrefix))) add(month, day);
  const sortByCost = <T extends Amount>(entries: [string, T][]) =>
    entries.sort((a, b) => b[1].cost_usd - a[1].cost_usd || b[1].tokens - a[1].tokens);
  return {
    series,
    last30,
    month,
    byBot: sortByCost([...byBot.entries()]).map(([id, amount]) => ({ id, ...amount })),
    byModel: sortByCost([...byModel.entries()]).map(([model, amount]) => ({ model, ...amount })),
  };
}
