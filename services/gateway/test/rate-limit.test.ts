import { describe, expect, it } from "vitest";
import { TokenBuckets } from "../src/rate-limit.js";

describe("TokenBuckets", () => {
  it("lets a burst through, then one request per 1/rate seconds, per key", () => {
    let now = 0;
    const b = new TokenBuckets({ ratePerSecond: 2, burst: 3 }, () => now);
    expect([b.take("a"), b.take("a"), b.take("a")]).toEqual([0, 0, 0]);
    expect(b.take("a")).toBeCloseTo(0.5);
    expect(b.take("b")).toBe(0); // another agency has its own bucket
    now += 250;
    expect(b.take("a")).toBeCloseTo(0.25); // half a token so far; refused requests cost nothing
    now += 250;
    expect(b.take("a")).toBe(0);
    now += 60_000;
    expect([b.take("a"), b.take("a"), b.take("a"), b.take("a") > 0]).toEqual([0, 0, 0, true]);
  });

  it("rate 0 turns limiting off; a bad configuration is refused", () => {
    const off = new TokenBuckets({ ratePerSecond: 0, burst: 1 }, () => 0);
    for (let i = 0; i < 100; i++) expect(off.take("a")).toBe(0);
    expect(() => new TokenBuckets({ ratePerSecond: -1, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBuckets({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError);
    expect(() => new TokenBuckets({ ratePerSecond: Number.NaN, burst: 1 })).toThrow(RangeError);
  });

  it("forgets idle agencies once there are many", () => {
    let now = 0;
    const b = new TokenBuckets({ ratePerSecond: 1, burst: 1 }, () => now);
    for (let i = 0; i < 10_000; i++) b.take(`k${i}`);
    now += 5_000;
    expect(b.take("new")).toBe(0);
    expect(b.take("k1")).toBe(0); // was pruned (full again), starts with a full bucket
  });
});
