/**
 * A sliding window of failure instants (ms), as the console's login limit counts them: once a
 * key has `limit` failures within `windowMs`, it waits until the oldest of them leaves.
 */

/** The failures still inside the window at `now`. */
export function recent(failures: readonly number[], now: number, windowMs: number): number[] {
  return failures.filter((t) => now - t < windowMs);
}

/** Ms to wait before another attempt; 0 = allowed now. */
export function windowWaitMs(
  failures: readonly number[],
  now: number,
  windowMs: number,
  limit: number,
): number {
  const list = recent(failures, now, windowMs);
  const oldest = list[list.length - limit];
  if (list.length < limit || oldest === undefined) return 0;
  return Math.max(0, oldest + windowMs - now);
}

/** The list after one more failure at `now`: only the newest `limit` matter. */
export function withFailure(
  failures: readonly number[],
  now: number,
  windowMs: number,
  limit: number,
): number[] {
  return [...recent(failures, now, windowMs), now].slice(-limit);
}
