import type { Bus } from "@edoc/bus";
import { leaseBlock } from "@edoc/ratelimit";
import type { Logger } from "@edoc/runtime";
import { type RateLimit, TokenBuckets } from "./rate-limit.js";
import { callArchive } from "./rpc.js";

/** How a lease went: tokens granted, refused (bucket empty), or the archive did not answer. */
export type LeaseOutcome = "granted" | "refused" | "failed";

/** What the doors ask before any body is read: seconds to wait, 0 = go ahead. */
export interface RateLimiter {
  take(key: string): Promise<number>;
}

/** The archive's answer to `ratelimit.lease`. */
export type LeaseFn = (
  key: string,
  want: number,
) => Promise<{ granted: number; retryAfterMs: number }>;

interface Held {
  /** leased tokens not spent yet */
  tokens: number;
  /** after this they are dropped: a gateway never sits on tokens it leased long ago */
  until: number;
  /** refused by the archive: no RPC for this key before then */
  blockedUntil: number;
  /** a lease in flight, which concurrent requests for the key wait for */
  pending?: Promise<void>;
}

/** How long leased tokens stay spendable here. */
const HOLD_MS = 1_000;
/** How long the local bucket alone decides after the archive failed to answer. */
const DOWN_MS = 5_000;
/** Keys held beyond this are pruned of those with nothing in hand. */
const PRUNE_ABOVE = 10_000;

/**
 * The rate limit shared by every gateway of a hub (issue #12): one GCRA bucket per key in the
 * archive, leased a block at a time (`leaseBlock`: about 1/5 s of the rate) so that a request
 * costs an RPC only once per block, and a refusal is remembered here until its Retry-After so
 * that a flood costs no RPCs at all. When the archive does not answer, each gateway falls back
 * to its own in-memory bucket (the limit per process, as before) rather than refusing everyone.
 */
export class SharedRateLimiter implements RateLimiter {
  private readonly held = new Map<string, Held>();
  private readonly block: number;
  private readonly local: TokenBuckets;
  private lastWarn = 0;
  /** after a failed lease, the archive is not asked again (by any key) before this */
  private downUntil = 0;

  constructor(
    private readonly limit: RateLimit,
    private readonly lease: LeaseFn,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** counts leases (the gateway's edoc_gateway_rate_leases_total) */
    private readonly onLease: (outcome: LeaseOutcome) => void = () => undefined,
  ) {
    this.local = new TokenBuckets(limit);
    this.block = limit.ratePerSecond > 0 ? leaseBlock(limit) : 1;
  }

  async take(key: string): Promise<number> {
    if (this.limit.ratePerSecond === 0) return 0;
    // Each pass either spends a token in hand, is refused, or waits for a lease (one in flight
    // per key, shared); a lease either grants tokens or blocks the key, so the loop ends.
    for (;;) {
      if (this.now() < this.downUntil) return this.local.take(key);
      const h = this.entry(key);
      const t = this.now();
      if (h.tokens > 0 && t < h.until) {
        h.tokens--;
        return 0;
      }
      if (t < h.blockedUntil) return (h.blockedUntil - t) / 1000;
      if (!h.pending) h.pending = this.refill(key, h);
      await h.pending;
    }
  }

  private entry(key: string): Held {
    let h = this.held.get(key);
    if (!h) {
      if (this.held.size >= PRUNE_ABOVE) this.prune();
      h = { tokens: 0, until: 0, blockedUntil: 0 };
      this.held.set(key, h);
    }
    return h;
  }

  private async refill(key: string, h: Held): Promise<void> {
    try {
      const r = await this.lease(key, this.block);
      const t = this.now();
      h.tokens = r.granted;
      h.until = t + HOLD_MS;
      h.blockedUntil = r.granted > 0 ? 0 : t + r.retryAfterMs;
      this.onLease(r.granted > 0 ? "granted" : "refused");
    } catch (err) {
      this.onLease("failed");
      // This request and the next few seconds' go by the local bucket, not by a timeout each.
      this.downUntil = this.now() + DOWN_MS;
      if (this.now() - this.lastWarn > 10_000) {
        this.lastWarn = this.now();
        this.log.warn(
          { err: (err as Error).message },
          "rate limit: the archive does not answer ratelimit.lease; limiting per gateway meanwhile",
        );
      }
    } finally {
      h.pending = undefined;
    }
  }

  private prune(): void {
    const t = this.now();
    for (const [k, h] of this.held) {
      if (!h.pending && (h.tokens === 0 || t >= h.until) && t >= h.blockedUntil)
        this.held.delete(k);
    }
  }
}

/** `ratelimit.lease` on the archive, under the gateway's configured rate. */
export function archiveLease(bus: Bus, limit: RateLimit): LeaseFn {
  return (key, want) =>
    callArchive(
      bus,
      "ratelimit.lease",
      { key, ratePerSecond: limit.ratePerSecond, burst: limit.burst, want },
      2_000,
    );
}
