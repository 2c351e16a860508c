import { describe, expect, it } from "vitest";
import { appendHop, checkHops, decodeTrace, encodeTrace, TRACE_HEADER } from "../src/index.js";

const T1 = "2026-12-05T01:00:00.000Z";
const T2 = "2026-12-05T01:00:05.000Z";

describe("x-edoc-trace codec", () => {
  it("round-trips a trace as base64url JSON, absent or empty reads as no hops", () => {
    const trace = appendHop(appendHop([], "hub-a", T1), "axis", new Date(T2));
    const header = encodeTrace(trace);
    expect(header).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(header, "base64url").toString())).toEqual(trace);
    expect(decodeTrace(header)).toEqual({
      ok: true,
      trace: [
        { hub: "hub-a", at: T1 },
        { hub: "axis", at: T2 },
      ],
    });
    expect(decodeTrace(undefined)).toEqual({ ok: true, trace: [] });
    expect(decodeTrace("")).toEqual({ ok: true, trace: [] });
    expect(TRACE_HEADER).toBe("x-edoc-trace");
  });

  it("refuses what is not a trace with TRACE_INVALID, naming the problem", () => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const bad = [
      "not base64!",
      Buffer.from("{not json").toString("base64url"),
      enc({ hub: "a" }),
      enc([{ hub: "bad hub", at: T1 }]),
      enc([{ hub: "a", at: "yesterday" }]),
      enc([{ hub: "a", at: T1, extra: 1 }]),
      enc(Array.from({ length: 33 }, () => ({ hub: "a", at: T1 }))),
      "A".repeat(9000),
    ];
    for (const h of bad) {
      expect(decodeTrace(h), h.slice(0, 40)).toMatchObject({ ok: false, code: "TRACE_INVALID" });
    }
    expect(decodeTrace(enc([{ hub: "bad hub", at: T1 }]))).toMatchObject({
      message: expect.stringMatching(/0\.hub/),
    });
  });

  it("appendHop never changes the trace it is given", () => {
    const before = [{ hub: "hub-a", at: T1 }];
    const after = appendHop(before, "axis", T2);
    expect(before).toHaveLength(1);
    expect(after).toHaveLength(2);
  });
});

describe("checkHops", () => {
  const trace = [
    { hub: "hub-a", at: T1 },
    { hub: "axis", at: T2 },
  ];

  it("lets through a packet this hub never carried, under the limit", () => {
    expect(checkHops(trace, "hub-b", 8)).toEqual({ ok: true });
    expect(checkHops([], "hub-b", 1)).toEqual({ ok: true });
  });

  it("refuses a loop: this hub's own id already in the trace", () => {
    const r = checkHops(trace, "hub-a", 8);
    expect(r).toMatchObject({ ok: false, code: "HOP_LOOP" });
    expect(r.ok ? "" : r.message).toContain("hub-a → axis");
  });

  it("refuses a packet that made `limit` hops already", () => {
    expect(checkHops(trace, "hub-b", 2)).toMatchObject({ ok: false, code: "HOP_LIMIT_EXCEEDED" });
    expect(checkHops(trace, "hub-b", 3)).toEqual({ ok: true });
  });
});
