import { gcraLease } from "@edoc/ratelimit";
import { createLogger } from "@edoc/runtime";
import { describe, expect, it } from "vitest";
import { type LeaseFn, SharedRateLimiter } from "../src/shared-rate-limit.js";

// The gateway side of the shared limit: two limiters (two gateways) lease from one GCRA bucket
// (the archive's arithmetic, @edoc/ratelimit, on one clock). The archive itself is exercised in
// services/archive/test/shared-state.test.ts and, end to end, tests/e2e/rate-limit-shared.test.ts.
const log = createLogger("gateway", "silent");

function oneBucket(now: () => number, rate: { ratePerSecond: number; burst: number }) {
  const tat = new Map<string, number>();
  let calls = 0;
  const lease: LeaseFn = async (key, want) => {
    calls++;
    const l = gcraLease(tat.get(key), now(), rate, want);
    tat.set(key, l.tat);
    return { granted: l.granted, retryAfterMs: l.retryAfterMs };
  };
  return { lease, calls: () => calls };
}

describe("SharedRateLimiter", () => {
  it("two gateways together get the burst, not twice it, with one lease per block", async () => {
    let t = 0;
    const rate = { ratePerSecond: 50, burst: 20 };
    const bucket = oneBucket(() => t, rate);
    const a = new SharedRateLimiter(rate, bucket.lease, log, () => t);
    const b = new SharedRateLimiter(rate, bucket.lease, log, () => t);
    let passed = 0;
    for (let i = 0; i < 100; i++) if ((await (i % 2 ? a : b).take("org:x")) === 0) passed++;
    expect(passed).toBe(20);
    // blocks of 10 (half the burst): two leases granted, then each gateway is refused once
    // and remembers the refusal until its Retry-After.
    expect(bucket.calls()).toBe(4);
    const wait = await a.take("org:x");
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(1 / rate.ratePerSecond + 1e-9);
    t += 1_000;
    expect(await a.take("org:x")).toBe(0);
    expect(await b.take("org:y")).toBe(0); // another key has its own bucket
  });

  it("concurrent requests share one lease in flight", async () => {
    const rate = { ratePerSecond: 100, burst: 40 };
    const bucket = oneBucket(() => 0, rate);
    const a = new SharedRateLimiter(rate, bucket.lease, log, () => 0);
    const waits = await Promise.all(Array.from({ length: 20 }, () => a.take("org:x")));
    expect(waits).toEqual(Array(20).fill(0));
    expect(bucket.calls()).toBe(1);
  });

  it("many concurrent requests, leases of one token: exactly the burst passes", async () => {
    const rate = { ratePerSecond: 0.5, burst: 6 };
    const bucket = oneBucket(() => 0, rate);
    const a = new SharedRateLimiter(rate, bucket.lease, log, () => 0);
    const waits = await Promise.all(Array.from({ length: 30 }, () => a.take("org:x")));
    expect(waits.filter((w) => w === 0)).toHaveLength(6);
  });

  it("falls back to its own bucket while the archive does not answer", async () => {
    const rate = { ratePerSecond: 0.1, burst: 3 };
    const down: LeaseFn = async () => {
      throw new Error("archive unavailable");
    };
    const outcomes: string[] = [];
    const a = new SharedRateLimiter(rate, down, log, Date.now, (o) => outcomes.push(o));
    const waits = [];
    for (let i = 0; i < 5; i++) waits.push(await a.take("org:x"));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(0);
    // One failed lease, then the local bucket alone for a while: no RPC per request.
    expect(outcomes).toEqual(["failed"]);
  });

  it("rate 0 is no limit and asks nobody", async () => {
    const bucket = oneBucket(() => 0, { ratePerSecond: 1, burst: 1 });
    const a = new SharedRateLimiter({ ratePerSecond: 0, burst: 1 }, bucket.lease, log);
    for (let i = 0; i < 10; i++) expect(await a.take("org:x")).toBe(0);
    expect(bucket.calls()).toBe(0);
  });
});
