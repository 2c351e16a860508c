/**
 * Rate limiting per authenticated agency: one token bucket per OrganId (the one the client
 * certificate is bound to, so a system acting for several agencies shares one bucket). Every API
 * request takes a token before any body is read or parsed; an empty bucket is a 429 with
 * `Retry-After`. These buckets are in memory, per gateway process: the fallback of the shared
 * limit (shared-rate-limit.ts) while the archive does not answer.
 */
export interface RateLimit {
  /** Tokens added per second; 0 turns limiting off. */
  readonly ratePerSecond: number;
  /** Bucket capacity: the burst an idle agency may send at once. */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  /** Time of the last refill, in ms (monotonic clock). */
  at: number;
}

/** Above this many buckets, full ones (idle agencies) are dropped: they carry no information. */
const PRUNE_ABOVE = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit.ratePerSecond >= 0) || !(limit.burst > 0)) {
      throw new RangeError(
        `rate limit needs ratePerSecond >= 0 and burst > 0, got ${JSON.stringify(limit)}`,
      );
    }
  }

  /**
   * Takes one token for `key`. Returns 0 when the request may go ahead, otherwise the seconds
   * to wait until a token is available (for `Retry-After`).
   */
  take(key: string): number {
    const { ratePerSecond, burst } = this.limit;
    if (ratePerSecond === 0) return 0;
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerSecond);
    b.at = now;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= PRUNE_ABOVE) this.prune(now);
      this.buckets.set(key, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / ratePerSecond;
  }

  private prune(now: number): void {
    const { ratePerSecond, burst } = this.limit;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * ratePerSecond >= burst) this.buckets.delete(key);
    }
  }
}
