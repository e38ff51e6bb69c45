/**
 * Exponential backoff with "equal jitter": half the delay is fixed so retries never bunch at zero,
 * half is random so many failed rows do not all retry in the same instant.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
