/** Round steps for an axis from 0 to at least `max`: 1, 2, 2.5 or 5 times a power of ten. */
export function axisTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((nice) => nice * magnitude >= rough) ?? 10) * magnitude;
  const steps = Math.ceil(max / step - 1e-9);
  // toPrecision drops the float noise of i * step (0.30000000000000004).
  return Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

const WIDTH = 300;
const HEIGHT = 120;

/** Bars for a series of days, with a labelled y-axis so a bar's height reads as a value. */
export function BarChart({
  title,
  points,
  format,
  formatTick,
}: {
  title: string;
  points: { date: string; value: number }[];
  format: (value: number) => string;
  formatTick: (value: number) => string;
}) {
  const max = Math.max(...points.map((point) => point.value), 0);
  const ticks = axisTicks(max);
  const top = ticks.at(-1) || 1;
  const bar = WIDTH / points.length;
  const y = (value: number) => HEIGHT - (value / top) * HEIGHT;
  return (
    <figure className="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <figcaption className="text-sm font-medium">{title}</figcaption>
      <div className="mt-3 flex gap-2">
        <ol
          aria-label="Y axis"
          className="relative h-32 shrink-0 text-right text-xs text-slate-600 dark:text-slate-300"
        >
          {/* In flow but invisible, the longest label sets the axis's width; the others are placed on their line. */}
          <li aria-hidden="true" className="invisible h-0">
            {formatTick(top)}
          </li>
          {ticks.map((tick) => (
            <li
              key={tick}
              className="absolute right-0 -translate-y-1/2 leading-none"
              style={{ top: `${(y(tick) / HEIGHT) * 100}%` }}
            >
              {formatTick(tick)}
            </li>
          ))}
        </ol>
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          preserveAspectRatio="none"
          className="h-32 min-w-0 flex-1 overflow-visible"
          role="img"
          aria-label={`${title}: highest ${format(max)}`}
        >
          {ticks.map((tick) => (
            <line
              key={tick}
              x1={0}
              x2={WIDTH}
              y1={y(tick)}
              y2={y(tick)}
              vectorEffect="non-scaling-stroke"
              className="stroke-slate-200 dark:stroke-slate-700"
            />
          ))}
          {points.map((point, index) => (
            <rect
              key={point.date}
              x={index * bar + 1}
              y={y(point.value)}
              width={bar - 2}
              height={HEIGHT - y(point.value)}
              rx="1"
              className="fill-indigo-500"
            >
              <title>{`${point.date}: ${format(point.value)}`}</title>
            </rect>
          ))}
        </svg>
      </div>
      <div className="mt-1 flex justify-between text-xs text-slate-600 dark:text-slate-300">
        <span>{points[0]?.date}</span>
        <span>{points.at(-1)?.date}</span>
      </div>
    </figure>
  );
}
