import type { RpcParamsOf, RpcResultOf } from "@edoc/messages";
import { gcraLease } from "@edoc/ratelimit";
import { casUpdate, type Versioned } from "./cas.js";
import type { Ctx } from "./context.js";

/**
 * One GCRA bucket per key (`_id`): `tat` is when it would be full again (ms, this process's
 * clock). Once `expiresAt` (= tat) has passed the row says nothing a missing row would not,
 * so the sweep removes it.
 */
export interface RateBucketDoc extends Versioned {
  tat: number;
  expiresAt: Date;
}

/** `ratelimit.lease`: up to `want` tokens of `key`'s bucket, by a versioned conditional update. */
export async function leaseTokens(
  ctx: Ctx,
  p: RpcParamsOf<"ratelimit.lease">,
): Promise<RpcResultOf<"ratelimit.lease">> {
  const rate = { ratePerSecond: p.ratePerSecond, burst: p.burst };
  return casUpdate(ctx.c.rateBuckets, p.key, (cur) => {
    const lease = gcraLease(cur?.tat, Date.now(), rate, p.want);
    const answer = { granted: lease.granted, retryAfterMs: lease.retryAfterMs };
    // A refusal changes nothing: no write, so a flood of refusals costs reads only.
    if (lease.granted === 0) return { answer };
    return { fields: { tat: lease.tat, expiresAt: new Date(lease.tat) }, answer };
  });
}
