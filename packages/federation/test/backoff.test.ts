import { describe, expect, it } from "vitest";
import { linkBackoffMs } from "../src/index.js";

describe("linkBackoffMs", () => {
  it("backs off from 1 s, doubling, to 60 s (no jitter at the middle)", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 6, 7, 20].map((n) => linkBackoffMs(n, mid))).toEqual([
      1000, 2000, 4000, 32_000, 60_000, 60_000,
    ]);
  });

  it("spreads each wait by ±20 %", () => {
    expect(linkBackoffMs(3, () => 0)).toBe(3200);
    expect(linkBackoffMs(3, () => 0.999_999)).toBe(4800);
    expect(linkBackoffMs(7, () => 0)).toBe(48_000);
  });
});
