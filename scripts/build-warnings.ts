import type { Rollup } from "vite";

type RollupLog = Rollup.RollupLog;

// Two warnings the build prints every time that say nothing is wrong, so they
// would train everyone to skip the build's output:
// - a resource route (an API or a download, no component) has no browser code,
//   yet Remix still gives every route a client entry, which comes out empty;
// - zod's sources carry `@__PURE__` comments in places Rollup ignores, and say so.
const EXPECTED = [
  (log: RollupLog) => log.code === "EMPTY_BUNDLE",
  (log: RollupLog) => log.code === "INVALID_ANNOTATION" && /[\\/]node_modules[\\/]zod[\\/]/.test(log.id ?? ""),
];

/** Rollup's `onwarn`: passes on every warning but the expected ones above. */
export function onBuildWarning(log: RollupLog, warn: (log: RollupLog) => void) {
  if (!EXPECTED.some((expected) => expected(log))) warn(log);
}
