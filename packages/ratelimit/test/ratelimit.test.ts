import { describe, expect, it } from "vitest";
import { gcraLease, leaseBlock, windowWaitMs, withFailure } from "../src/index.js";

describe("gcraLease", () => {
  const rate = { ratePerSecond: 10, burst: 5 };

  it("grants the burst at once, then one token per interval", () => {
    let tat: number | undefined;
    const first = gcraLease(tat, 1000, rate, 100);
    expect(first.granted).toBe(5);
    tat = first.tat;
    const none = gcraLease(tat, 1000, rate, 1);
    expect(none.granted).toBe(0);
    expect(none.retryAfterMs).toBe(100);
    expect(gcraLease(tat, 1100, rate, 3).granted).toBe(1);
  });

  it("a block larger than what is left gets what is left", () => {
    const a = gcraLease(undefined, 0, rate, 3);
    expect(a.granted).toBe(3);
    const b = gcraLease(a.tat, 0, rate, 3);
    expect(b.granted).toBe(2);
  });

  it("an idle key is full again, never more than full", () => {
    const a = gcraLease(undefined, 0, rate, 5);
    expect(gcraLease(a.tat, 60_000, rate, 50).granted).toBe(5);
  });

  it("rate 0 is no limit; bad rates are refused", () => {
    expect(gcraLease(undefined, 0, { ratePerSecond: 0, burst: 1 }, 7).granted).toBe(7);
    expect(() => gcraLease(undefined, 0, { ratePerSecond: -1, burst: 1 }, 1)).toThrow(RangeError);
  });

  it("leaseBlock stays within half the burst", () => {
    expect(leaseBlock({ ratePerSecond: 100, burst: 200 })).toBe(20);
    expect(leaseBlock({ ratePerSecond: 100, burst: 6 })).toBe(3);
    expect(leaseBlock({ ratePerSecond: 1, burst: 1 })).toBe(1);
  });
});

describe("sliding window", () => {
  it("waits for the oldest failure to leave once the limit is reached", () => {
    let list: number[] = [];
    for (const t of [0, 10, 20]) list = withFailure(list, t, 1000, 3);
    expect(windowWaitMs(list, 30, 1000, 3)).toBe(970);
    expect(windowWaitMs(list, 1000, 1000, 3)).toBe(0);
    expect(withFailure(list, 2000, 1000, 3)).toEqual([2000]);
  });
});
