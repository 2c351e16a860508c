/**
 * GCRA (generic cell rate algorithm), the token bucket kept as one number: the theoretical
 * arrival time `tat` (ms) at which the bucket would be full again. One number is what makes a
 * shared limit cheap: a row holds it, and a conditional update on its version changes it.
 */
export interface Rate {
  /** tokens per second; 0 = no limit */
  readonly ratePerSecond: number;
  /** bucket capacity: the burst an idle key may send at once */
  readonly burst: number;
}

export interface Lease {
  /** tokens granted now, 0..want */
  granted: number;
  /** the new theoretical arrival time to store (ms) */
  tat: number;
  /** when nothing was granted: ms until one token is free */
  retryAfterMs: number;
}

export function checkRate(rate: Rate): void {
  if (!(rate.ratePerSecond >= 0) || !(rate.burst >= 1) || !Number.isFinite(rate.ratePerSecond)) {
    throw new RangeError(
      `rate limit needs ratePerSecond >= 0 and burst >= 1, got ${JSON.stringify(rate)}`,
    );
  }
}

/**
 * Takes up to `want` tokens at `now` from a bucket whose state is `tat` (undefined = never
 * used, i.e. full). Grants as many as the bucket holds, so a lease of a block never fails
 * just because the block is larger than what is left.
 */
export function gcraLease(tat: number | undefined, now: number, rate: Rate, want: number): Lease {
  checkRate(rate);
  if (rate.ratePerSecond === 0) return { granted: want, tat: now, retryAfterMs: 0 };
  const interval = 1000 / rate.ratePerSecond;
  const start = Math.max(tat ?? now, now);
  // Tokens left: how many intervals fit between the debt (start - now) and a full bucket.
  const room = Math.floor((rate.burst * interval - (start - now)) / interval + 1e-9);
  const granted = Math.max(0, Math.min(want, room));
  if (granted > 0) return { granted, tat: start + granted * interval, retryAfterMs: 0 };
  const retryAfterMs = Math.max(1, Math.ceil(start - now - (rate.burst - 1) * interval));
  return { granted: 0, tat: start, retryAfterMs };
}

/** The block a gateway leases at once: about 1/5 s of the rate, never more than half the burst. */
export function leaseBlock(rate: Rate): number {
  return Math.max(1, Math.min(Math.round(rate.ratePerSecond / 5), Math.floor(rate.burst / 2)));
}
