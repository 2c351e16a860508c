import { z } from "zod";

/**
 * `ratelimit.lease`: the gateways' shared rate limit. Each gateway leases a block of tokens
 * for a key (an OrganId or a VDXP system id) from one GCRA bucket the archive keeps, so N
 * gateways behind a balancer allow the configured rate, not N times it, and a restart forgets
 * nothing. The rate travels with the call: every gateway of a hub runs the same configuration.
 */
export const RateLimitRpcParams = {
  "ratelimit.lease": z.object({
    key: z.string().min(1).max(200),
    ratePerSecond: z.number().positive().max(1_000_000),
    burst: z.number().int().min(1).max(1_000_000),
    want: z.number().int().min(1).max(10_000),
  }),
} as const;

export const RateLimitRpcResults = {
  "ratelimit.lease": z.object({
    granted: z.number().int().min(0),
    /** when nothing was granted: ms until a token is free */
    retryAfterMs: z.number().int().min(0),
  }),
} as const;
