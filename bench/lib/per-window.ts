/**
 * How many of `times` (ms) fall in each window of `windowMs` from `start`, window 0 first, empty
 * windows as 0. For a paced method this shows where a run lost its slots: a storm at the limit fills
 * every window but the last, and one that starts slowly shows it in its first windows.
 */
export function perWindow(times: readonly number[], start: number, windowMs: number): number[] {
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be more than 0, not ${windowMs}`);
  const counts: number[] = [];
  for (const at of times) {
    const w = Math.floor((at - start) / windowMs);
    if (w < 0) continue;
    while (counts.length <= w) counts.push(0);
    counts[w]! += 1;
  }
  return counts;
}
