/**
 * A signal aborted when any of the given ones is. Not AbortSignal.any, whose
 * signal its sources hold only weakly: the listeners here hold it strongly,
 * so an abort can never be lost to garbage collection mid-reply.
 */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length === 1) return present[0]!;
  const any = new AbortController();
  for (const signal of present) {
    if (signal.aborted) any.abort(signal.reason);
    else signal.addEventListener("abort", () => any.abort(signal.reason), { once: true });
  }
  return any.signal;
}
