// The arithmetic of a sliding-window counter kept as two fixed windows: the
// previous window counts in proportion to how much of it the sliding window
// still covers. Times are in fractions of a window.

export type WindowCounts = { current: number; previous: number };

/** The count over the last full window, `elapsed` (0–1) into the current one. */
export function slidingCount(counts: WindowCounts, elapsed: number): number {
  return counts.previous * (1 - elapsed) + counts.current;
}

/** How long (in windows) until the count is below `points`, if nothing more is counted. */
export function waitUntilUnder(points: number, counts: WindowCounts, elapsed: number): number {
  if (counts.current < points) {
    // The previous window's share shrinks until what is left of it fits.
    const share = counts.previous > 0 ? 1 - (points - counts.current) / counts.previous : 0;
    return Math.max(0, share - elapsed);
  }
  // Only once the current window is the previous one can its share shrink enough.
  return 1 - elapsed + (1 - points / counts.current);
}
