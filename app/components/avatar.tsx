// 700s: white initials on each of them pass WCAG AA contrast (4.5:1); the 600s of emerald, amber and teal did not.
const COLORS = [
  "bg-indigo-700",
  "bg-emerald-700",
  "bg-rose-700",
  "bg-amber-700",
  "bg-sky-700",
  "bg-violet-700",
  "bg-teal-700",
  "bg-fuchsia-700",
];

function colorFor(seed: string): string {
  let hash = 0;
  for (const char of seed) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return COLORS[hash % COLORS.length]!;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]![0], parts[1]![0]] : [parts[0]?.[0], parts[0]?.[1]];
  return letters.filter(Boolean).join("").toUpperCase() || "?";
}

/** A coloured monogram: assistants have no uploaded images, and this needs none. */
export function Avatar({ name, seed, size = "md" }: { name: string; seed: string; size?: "md" | "lg" }) {
  const dimensions = size === "lg" ? "h-14 w-14 text-xl" : "h-11 w-11 text-base";
  return (
    <span
      aria-hidden="true"
      className={`inline-flex shrink-0 items-center justify-center rounded-xl font-semibold text-white ${dimensions} ${colorFor(seed)}`}
    >
      {initials(name)}
    </span>
  );
}
