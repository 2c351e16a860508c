import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collections } from "../src/collections.js";
import { sweepExpired } from "../src/console-state.js";
import { type Harness, sleep, startHarness } from "./harness.js";

// The state the console and gateway instances share through the archive: sessions, failed
// logins and GCRA buckets, under concurrent calls (the archive serves several RPCs at once).
let h: Harness;

beforeAll(async () => {
  h = await startHarness({});
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const keyOf = () => createHash("sha256").update(randomBytes(32)).digest("hex");

describe("ratelimit.lease", () => {
  it("grants exactly the burst to concurrent callers", async () => {
    const key = `agency-${randomBytes(4).toString("hex")}`;
    const leases = await Promise.all(
      Array.from({ length: 40 }, () =>
        h.rpc("ratelimit.lease", { key, ratePerSecond: 0.01, burst: 12, want: 1 }),
      ),
    );
    expect(leases.reduce((n, l) => n + l.granted, 0)).toBe(12);
    const refused = leases.filter((l) => l.granted === 0);
    expect(refused.length).toBe(28);
    expect(Math.min(...refused.map((l) => l.retryAfterMs))).toBeGreaterThan(90_000);
  });

  it("a block larger than what is left gets the rest; the bucket refills at the rate", async () => {
    const key = `agency-${randomBytes(4).toString("hex")}`;
    const rate = { key, ratePerSecond: 20, burst: 4 };
    expect((await h.rpc("ratelimit.lease", { ...rate, want: 3 })).granted).toBe(3);
    expect((await h.rpc("ratelimit.lease", { ...rate, want: 3 })).granted).toBe(1);
    await sleep(260);
    expect((await h.rpc("ratelimit.lease", { ...rate, want: 10 })).granted).toBeGreaterThanOrEqual(
      4,
    );
  });
});

describe("console.sessions", () => {
  it("creates, reads and deletes", async () => {
    const key = keyOf();
    const made = await h.rpc("console.sessions.create", {
      key,
      username: "op",
      role: "operator",
      csrf: "c".repeat(43),
      idleMs: 60_000,
      maxMs: 3_600_000,
    });
    expect(made.session.username).toBe("op");
    for (let i = 0; i < 4; i++) {
      const got = await h.rpc("console.sessions.get", { key });
      expect(got.session?.csrf).toBe("c".repeat(43));
    }
    expect((await h.rpc("console.sessions.delete", { key })).deleted).toBe(true);
    expect((await h.rpc("console.sessions.get", { key })).session).toBeNull();
  });

  it("an idle session ends, and the sweep removes expired rows", async () => {
    const key = keyOf();
    await h.rpc("console.sessions.create", {
      key,
      username: "au",
      role: "auditor",
      csrf: "x",
      idleMs: 1_000,
      maxMs: 3_600_000,
    });
    const other = keyOf();
    await h.rpc("console.sessions.create", {
      key: other,
      username: "au",
      role: "auditor",
      csrf: "y",
      idleMs: 1_000,
      maxMs: 3_600_000,
    });
    await sleep(1_100);
    expect((await h.rpc("console.sessions.get", { key })).session).toBeNull();
    const c = collections(h.store.db);
    expect(await c.consoleSessions.countDocuments({ _id: other })).toBe(1);
    expect(await sweepExpired(c)).toBeGreaterThanOrEqual(1);
    expect(await c.consoleSessions.countDocuments({ _id: other })).toBe(0);
  });
});

describe("console.logins", () => {
  it("counts concurrent failures per key and clears on success", async () => {
    const user = `user:${randomBytes(4).toString("hex")}`;
    const keys = [{ key: user, limit: 3 }];
    const check = () => h.rpc("console.logins.check", { keys, windowMs: 60_000 });
    expect((await check()).retryAfterSeconds).toBe(0);
    await Promise.all(
      [1, 2, 3].map(() => h.rpc("console.logins.fail", { keys, windowMs: 60_000 })),
    );
    const wait = (await check()).retryAfterSeconds;
    expect(wait).toBeGreaterThan(50);
    expect(wait).toBeLessThanOrEqual(60);
    await h.rpc("console.logins.clear", { key: user });
    expect((await check()).retryAfterSeconds).toBe(0);
  });
});
