import { describe, expect, it } from "vitest";
import { appendHop, checkHops, decodeTrace, encodeTrace } from "../src/index.js";

const at = new Date("2026-12-05T05:00:00.000Z");

describe("x-edoc-trace codec", () => {
  it("round-trips a trace and appends a hop", () => {
    const trace = appendHop(appendHop([], "hub-a", at), "axis", at);
    expect(trace.map((t) => t.hub)).toEqual(["hub-a", "axis"]);
    expect(decodeTrace(encodeTrace(trace))).toEqual({ ok: true, trace });
    expect(decodeTrace(undefined)).toEqual({ ok: true, trace: [] });
  });

  it("refuses what is not a trace", () => {
    expect(decodeTrace("%%%").ok).toBe(false);
    const bad = Buffer.from(JSON.stringify([{ hub: "a b", at: "x" }])).toString("base64url");
    expect(decodeTrace(bad).ok).toBe(false);
  });

  it("stops loops and over-long paths", () => {
    const trace = appendHop(appendHop([], "hub-a", at), "axis", at);
    expect(checkHops(trace, "hub-b", 8)).toEqual({ ok: true });
    expect(checkHops(trace, "hub-a", 8)).toMatchObject({ ok: false, code: "HOP_LOOP" });
    expect(checkHops(trace, "hub-b", 2)).toMatchObject({ ok: false, code: "HOP_LIMIT_EXCEEDED" });
  });
});
