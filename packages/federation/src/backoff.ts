/**
 * The wait before attempt `n` (1-based) of a link's transient failure, both directions (the
 * router's forwarder, the gateway's puller): 1 s doubling to 60 s, ±20 % so that hubs which lost
 * the same upstream do not all come back in the same second. `random` in [0, 1).
 */
export function linkBackoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + random() * 0.4));
}
