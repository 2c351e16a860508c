import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConsoleConfig, parseClock, parseUrgent } from "../src/config.js";
import { escapeHtml, href, html } from "../src/html.js";
import { formatTime, offsetLabel, statusLabel } from "../src/labels.js";
import { LoginLimiter } from "../src/login-limit.js";
import { hashPassword, parseArgon2id, verifyPassword } from "../src/password.js";
import { newToken, Sessions, sameToken } from "../src/sessions.js";
import { lastWorkdayEnd, parseWorkdays, stuckParams } from "../src/stuck.js";
import { parseUsers, UserStore } from "../src/users.js";

describe("html", () => {
  it("escapes every interpolated value, keeps nested fragments, flattens arrays", () => {
    const evil = `<script>alert("x")</script>' \`&`;
    const out = html`<p title="${evil}">${evil}${[html`<b>${"<i>"}</b>`, "<u>"]}${undefined}${false}${0}</p>`;
    expect(out.value).toBe(
      `<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; &#96;&amp;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; &#96;&amp;<b>&lt;i&gt;</b>&lt;u&gt;0</p>`,
    );
    expect(escapeHtml("a&b")).toBe("a&amp;b");
    expect(href("/letters", { q: "a b&c", empty: "", none: undefined })).toBe("/letters?q=a+b%26c");
  });
});

describe("labels", () => {
  it("uses the standard status names, 14 read as 15", () => {
    expect(statusLabel("01")).toBe("01 Đã đến");
    expect(statusLabel("3")).toBe("03 Đã tiếp nhận");
    expect(statusLabel("16")).toBe("16 Từ chối cập nhật/lấy lại");
    expect(statusLabel("14")).toBe("15 Đồng ý cập nhật/lấy lại");
    expect(statusLabel("xx")).toBe("xx");
  });
  it("formats instants in the hub's civil time", () => {
    expect(formatTime("2025-03-07T17:05:09.000Z", 420)).toBe("08/03/2025 00:05:09");
    expect(formatTime(undefined, 420)).toBe("—");
    expect(offsetLabel(420)).toBe("GMT+7");
    expect(offsetLabel(330)).toBe("GMT+5:30");
  });
});

describe("passwords (argon2id, hash-wasm)", () => {
  it("verifies the right password only, and refuses malformed or hostile hashes", async () => {
    const h = await hashPassword("đúng mật khẩu 123");
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(parseArgon2id(h)).toBeDefined();
    expect(await verifyPassword("đúng mật khẩu 123", h)).toBe(true);
    expect(await verifyPassword("đúng mật khẩu 124", h)).toBe(false);
    expect(await verifyPassword("x", "not a hash")).toBe(false);
    expect(await verifyPassword("x", h.replace("$argon2id$", "$argon2i$"))).toBe(false);
    // A users file cannot make the console spend a gigabyte on one login.
    expect(parseArgon2id(h.replace("m=19456", "m=1048576"))).toBeUndefined();
    expect(parseArgon2id(h.replace("t=2", "t=1000"))).toBeUndefined();
  }, 30_000);
});

describe("sessions", () => {
  it("uses 256-bit ids, ends sessions on idle and absolute expiry, and drops them on logout", async () => {
    let t = 0;
    const s = new Sessions({ idleMs: 1_000, maxMs: 5_000, now: () => t });
    const { id, session } = await s.create("op", "operator");
    expect(Buffer.from(id, "base64url")).toHaveLength(32);
    expect(Buffer.from(session.csrf, "base64url")).toHaveLength(32);
    expect((await s.get(id))?.username).toBe("op");
    for (t = 900; t <= 4_500; t += 900) expect(await s.get(id)).toBeDefined(); // kept alive
    t = 5_001;
    expect(await s.get(id)).toBeUndefined(); // absolute expiry despite activity
    const b = await s.create("op", "operator");
    t += 1_001;
    expect(await s.get(b.id)).toBeUndefined(); // idle expiry
    const c = await s.create("au", "auditor");
    await s.destroy(c.id);
    expect(await s.get(c.id)).toBeUndefined();
    expect(await s.get("guess")).toBeUndefined();
  });
  it("compares tokens in constant time and never matches empty ones", () => {
    const a = newToken();
    expect(sameToken(a, a)).toBe(true);
    expect(sameToken(a, newToken())).toBe(false);
    expect(sameToken("", "")).toBe(false);
    expect(sameToken(undefined, a)).toBe(false);
    expect(sameToken(a, a.slice(1))).toBe(false);
  });
});

describe("login rate limit", () => {
  it("refuses after N failures per key within the window, until the oldest failure leaves it", async () => {
    let t = 0;
    const l = new LoginLimiter({ attempts: 3, windowMs: 60_000, now: () => t });
    const keys = ["ip:1", "user:op"];
    for (let i = 0; i < 3; i++) {
      expect(await l.retryAfter(keys)).toBe(0);
      await l.fail(keys);
      t += 1_000;
    }
    expect(await l.retryAfter(keys)).toBe(57);
    expect(await l.retryAfter(["ip:2", "user:op"])).toBe(57); // the username is locked from anywhere
    expect(await l.retryAfter(["ip:1", "user:other"])).toBe(0); // the address has a higher limit…
    for (let i = 0; i < 9; i++) await l.fail([`ip:1`, `user:u${i}`]);
    expect(await l.retryAfter(["ip:1", "user:other"])).toBe(57); // …that it reaches now
    t = 60_001;
    expect(await l.retryAfter(keys)).toBe(0);
    await l.succeed("user:op");
    expect(await l.retryAfter(["ip:9", "user:op"])).toBe(0);
  });
});

describe("stuck policy", () => {
  const p = { workdayEndMinutes: 17 * 60, workdays: parseWorkdays("1-5"), utcOffsetMinutes: 420 };
  // 2025-03-05 is a Wednesday. 17:00 GMT+7 = 10:00 UTC.
  it("finds the last end of a working day at or before now", () => {
    expect(lastWorkdayEnd(new Date("2025-03-05T11:00:00Z"), p).toISOString()).toBe(
      "2025-03-05T10:00:00.000Z",
    );
    expect(lastWorkdayEnd(new Date("2025-03-05T09:59:00Z"), p).toISOString()).toBe(
      "2025-03-04T10:00:00.000Z",
    );
    // Monday 08:00 GMT+7 → Friday 17:00; Sunday → Friday too.
    expect(lastWorkdayEnd(new Date("2025-03-10T01:00:00Z"), p).toISOString()).toBe(
      "2025-03-07T10:00:00.000Z",
    );
    expect(lastWorkdayEnd(new Date("2025-03-09T05:00:00Z"), p).toISOString()).toBe(
      "2025-03-07T10:00:00.000Z",
    );
    // 23:30 UTC on Tuesday is already Wednesday 06:30 in Vietnam → Tuesday's end.
    expect(lastWorkdayEnd(new Date("2025-03-04T23:30:00Z"), p).toISOString()).toBe(
      "2025-03-04T10:00:00.000Z",
    );
  });
  it("turns thresholds into instants for console.stuck", () => {
    const now = new Date("2025-03-05T11:00:00Z");
    const out = stuckParams(now, {
      ...p,
      notFetchedMs: 60 * 60_000,
      notAcknowledgedMs: 0,
      urgentMs: parseUrgent("2:120,1:240"),
      lookbackMs: 24 * 3600_000,
    });
    expect(out).toEqual({
      since: "2025-03-04T11:00:00.000Z",
      notFetchedBefore: "2025-03-05T10:00:00.000Z",
      notAcknowledgedBefore: "2025-03-05T11:00:00.000Z",
      urgent: [
        { priority: 1, availableBefore: "2025-03-05T07:00:00.000Z" },
        { priority: 2, availableBefore: "2025-03-05T09:00:00.000Z" },
      ],
      receptionDueBefore: "2025-03-05T10:00:00.000Z",
      limit: 500,
    });
  });
  it("refuses malformed settings by name", () => {
    expect(() => parseClock("25:00")).toThrow(/EDOC_STUCK_WORKDAY_END/);
    expect(() => parseUrgent("5:10")).toThrow(/EDOC_STUCK_URGENT_MINUTES/);
    expect(() => parseWorkdays("mon")).toThrow(/EDOC_STUCK_WORKDAYS/);
    expect([...parseWorkdays("1,3-4")].sort()).toEqual([1, 3, 4]);
  });
});

describe("config", () => {
  it("has the documented defaults and requires the users file and the hub's certificate", () => {
    const env = { EDOC_HUB_KEY: "k", EDOC_HUB_CERT: "c", EDOC_CONSOLE_USERS_FILE: "u.json" };
    const c = loadConsoleConfig(env);
    expect(c.host).toBe("127.0.0.1");
    expect(c.port).toBe(8444);
    expect(c.sessionIdleMs).toBe(30 * 60_000);
    expect(c.sessionMaxMs).toBe(8 * 3600_000);
    expect(c.stuck.notFetchedMs).toBe(60 * 60_000);
    expect(c.stuck.urgentMs.get(3)).toBe(60 * 60_000);
    expect(c.stuck.workdayEndMinutes).toBe(17 * 60);
    expect(c.services.map((s) => s.port)).toEqual([9464, 9465, 9466]);
    expect(() => loadConsoleConfig({ ...env, EDOC_CONSOLE_USERS_FILE: "" })).toThrow(
      /EDOC_CONSOLE_USERS_FILE/,
    );
    expect(() => loadConsoleConfig({ EDOC_CONSOLE_USERS_FILE: "u" })).toThrow(/EDOC_HUB_KEY/);
    expect(() => loadConsoleConfig({ ...env, EDOC_CONSOLE_SESSION_IDLE_MINUTES: "0" })).toThrow(
      /IDLE/,
    );
  });
});

describe("users file", () => {
  it("validates entries and picks up changes without a restart", async () => {
    const hash = await hashPassword("mật khẩu đủ dài");
    expect(() =>
      parseUsers({ users: [{ username: "a b", passwordHash: hash, role: "operator" }] }, "f"),
    ).toThrow(/users\[0\]\.username/);
    expect(() =>
      parseUsers({ users: [{ username: "a", passwordHash: "x", role: "operator" }] }, "f"),
    ).toThrow(/passwordHash/);
    expect(() =>
      parseUsers({ users: [{ username: "a", passwordHash: hash, role: "admin" }] }, "f"),
    ).toThrow(/role/);
    expect(() =>
      parseUsers(
        {
          users: [
            { username: "A", passwordHash: hash, role: "auditor" },
            { username: "a", passwordHash: hash, role: "auditor" },
          ],
        },
        "f",
      ),
    ).toThrow(/twice/);
    const dir = mkdtempSync(join(tmpdir(), "console-users-"));
    const file = join(dir, "users.json");
    writeFileSync(
      file,
      JSON.stringify({ users: [{ username: "Op", passwordHash: hash, role: "operator" }] }),
    );
    const errors: string[] = [];
    const store = new UserStore(file, (e) => errors.push(e.message));
    expect(store.get("op")?.role).toBe("operator");
    await new Promise((r) => setTimeout(r, 1_100));
    writeFileSync(
      file,
      JSON.stringify({ users: [{ username: "Op", passwordHash: hash, role: "auditor" }] }),
    );
    expect(store.get("OP")?.role).toBe("auditor");
    await new Promise((r) => setTimeout(r, 1_100));
    writeFileSync(file, "{ broken");
    expect(store.get("op")?.role).toBe("auditor"); // the last good list stays
    expect(errors[0]).toMatch(/cannot read users file/);
  }, 30_000);
});
