import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { listUsageDays } from "~/models/usage.server";
import { PRICES_AS_OF } from "~/provider/models.server";
import { BarChart } from "~/components/bar-chart";
import { formatCost, formatTokens } from "~/utils/format";
import { requireCaller } from "~/identity/caller.server";
import { firstDayNeeded, SUBSCRIPTION_USD, summarizeUsage } from "~/models/usage-summary";

export const meta: MetaFunction = () => [{ title: "Usage · Assistant Lab" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const caller = await requireCaller(request);
  const today = new Date();
  const days = await listUsageDays(caller, firstDayNeeded(today));
  return { ...summarizeUsage(days, today), pricesAsOf: PRICES_AS_OF };
}

export default function Usage() {
  const { series, last30, month, byBot, byModel, pricesAsOf } = useLoaderData<typeof loader>();
  const saved = SUBSCRIPTION_USD - month.cost_usd;
  return (
    <main className="mx-auto max-w-5xl px-4 py-8">
      <h1 className="text-2xl font-semibold">Usage</h1>
      <section
        aria-label="This month"
        className="mt-6 rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900"
      >
        <p className="text-sm text-slate-600 dark:text-slate-300">This month</p>
        <p className="mt-1 text-3xl font-semibold">{formatCost(month.cost_usd, month.unpriced_tokens)}</p>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-300">
          {saved >= 0
            ? `${formatCost(saved)} less than a $${SUBSCRIPTION_USD} monthly subscription.`
            : `${formatCost(-saved)} more than a $${SUBSCRIPTION_USD} monthly subscription.`}{" "}
          {formatTokens(month.tokens)}.
        </p>
      </section>

      <div className="mt-6 grid gap-6 md:grid-cols-2">
        <BarChart
          title="Dollars per day, last 30 days"
          points={series.map((point) => ({ date: point.date, value: point.cost_usd }))}
          format={(value) => formatCost(value)}
          formatTick={(value) => `$${value.toLocaleString("en-US", { maximumFractionDigits: 8 })}`}
        />
        <BarChart
          title="Tokens per day, last 30 days"
          points={series.map((point) => ({ date: point.date, value: point.tokens }))}
          format={formatTokens}
          formatTick={(value) => value.toLocaleString("en-US", { notation: "compact" })}
        />
      </div>

      <div className="mt-6 grid gap-6 md:grid-cols-2">
        <Breakdown title="By assistant" rows={byBot.map((row) => ({ key: row.id, label: row.name, ...row }))} />
        <Breakdown title="By model" rows={byModel.map((row) => ({ key: row.model, label: row.model, ...row }))} />
      </div>
      <p className="mt-6 text-xs text-slate-600 dark:text-slate-400">
        Last 30 days: {formatTokens(last30.tokens)}, {formatCost(last30.cost_usd, last30.unpriced_tokens)}. Prices as of{" "}
        {pricesAsOf}; a model without a known price counts as “cost unknown”, never as a guess.
      </p>
    </main>
  );
}

function Breakdown({
  title,
  rows,
}: {
  title: string;
  rows: { key: string; label: string; tokens: number; cost_usd: number; unpriced_tokens: number }[];
}) {
  return (
    <section
      aria-label={title}
      className="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
    >
      <h2 className="text-sm font-medium">{title}</h2>
      {rows.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">Nothing yet in the last 30 days.</p>
      ) : (
        <table className="mt-2 w-full text-sm">
          <tbody>
            {rows.map((row) => (
              <tr key={row.key}>
                <td className="py-1 pr-2">{row.label}</td>
                <td className="py-1 pr-2 text-right text-slate-600 dark:text-slate-400">{formatTokens(row.tokens)}</td>
                <td className="py-1 text-right">{formatCost(row.cost_usd, row.unpriced_tokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
