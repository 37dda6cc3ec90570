/** Nearest-rank percentile of latencies in ms (0 for an empty sample). */
export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sortedMs.length);
  return sortedMs[Math.min(sortedMs.length, Math.max(1, rank)) - 1];
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Rounded to 0.01 ms: finer than that is noise on this kind of run. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
