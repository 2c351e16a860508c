import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus } from "@edoc/bus";
import { Directory, demoNetwork } from "@edoc/directory";
import { createLogger } from "@edoc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleApp, LOGIN_COOKIE, SESSION_COOKIE } from "../src/app.js";
import { LoginLimiter } from "../src/login-limit.js";
import { hashPassword } from "../src/password.js";
import { Sessions } from "../src/sessions.js";
import { parseWorkdays } from "../src/stuck.js";
import { UserStore } from "../src/users.js";

// The console's HTTP security on the real app and a real broker connection: login, cookies,
// CSRF, roles, headers. Pages that need the archive are covered by tests/e2e/console.test.ts.
const amqpUrl = process.env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const PASSWORD = "mật khẩu thử nghiệm 2025";

let bus: Bus;
let server: Server;
let base = "";
let host = "";

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "console-app-"));
  const file = join(dir, "users.json");
  const hash = await hashPassword(PASSWORD);
  writeFileSync(
    file,
    JSON.stringify({
      users: [
        { username: "op", passwordHash: hash, role: "operator" },
        { username: "au", passwordHash: hash, role: "auditor" },
        { username: "locked", passwordHash: hash, role: "operator" },
      ],
    }),
  );
  bus = await Bus.connect({ url: amqpUrl, prefix: `t-console-${randomBytes(4).toString("hex")}` });
  const app = createConsoleApp({
    bus,
    log: createLogger("console", "silent"),
    users: new UserStore(file),
    sessions: new Sessions({ idleMs: 60_000, maxMs: 3_600_000 }),
    limiter: new LoginLimiter({ attempts: 3, windowMs: 60_000 }),
    directory: () => Directory.fromAgencies(demoNetwork().agencies),
    stuck: {
      notFetchedMs: 0,
      notAcknowledgedMs: 0,
      urgentMs: new Map([[1, 0]]),
      workdayEndMinutes: 17 * 60,
      workdays: parseWorkdays("1-5"),
      utcOffsetMinutes: 420,
      lookbackMs: 86_400_000,
    },
    services: [],
    css: readFileSync(new URL("../static/console.css", import.meta.url), "utf8"),
    selfHealth: () => ({ name: "console", port: 0, state: "ok", checks: {} }),
  });
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
}, 30_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await bus?.deleteAll().catch(() => undefined);
  await bus?.close();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  cookies: Map<string, string>;
}

function http(
  method: string,
  path: string,
  o: { cookies?: Map<string, string>; form?: Record<string, string>; origin?: string | null } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = o.form ? new URLSearchParams(o.form).toString() : undefined;
    const headers: Record<string, string> = {};
    if (o.cookies && o.cookies.size > 0)
      headers.cookie = [...o.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    if (o.origin !== null && method === "POST") headers.origin = o.origin ?? `https://${host}`;
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const cookies = new Map<string, string>();
        for (const c of res.headers["set-cookie"] ?? []) {
          const [pair] = c.split(";");
          const i = pair?.indexOf("=") ?? -1;
          if (pair && i > 0) cookies.set(pair.slice(0, i), pair.slice(i + 1));
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          cookies,
        });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const hidden = (body: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(body)?.[1] ?? "";

/** GET /login, then POST it; returns the reply (and the cookie jar after it). */
async function login(username: string, password: string, jar = new Map<string, string>()) {
  const form = await http("GET", "/login", { cookies: jar });
  for (const [k, v] of form.cookies) jar.set(k, v);
  const r = await http("POST", "/login", {
    cookies: jar,
    form: { _csrf: hidden(form.body, "_csrf"), next: "/letters", username, password },
  });
  for (const [k, v] of r.cookies)
    if (v === "") jar.delete(k);
    else jar.set(k, v);
  return { r, jar };
}

describe("console HTTP security", () => {
  it("sends strict security headers and sends anonymous users to the login page", async () => {
    const r = await http("GET", "/dead-letters");
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe("/login?next=%2Fdead-letters");
    expect(r.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(r.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["cache-control"]).toBe("no-store");
    expect(r.headers["x-powered-by"]).toBeUndefined();
    const page = await http("GET", "/login");
    expect(page.status).toBe(200);
    expect(page.body).toContain('lang="vi"');
    const setCookie = String(page.headers["set-cookie"]);
    expect(setCookie).toMatch(
      new RegExp(`${LOGIN_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; Secure; HttpOnly; SameSite=Strict`),
    );
  });

  it("logs in with a fresh session id in a Secure, HttpOnly, SameSite=Strict cookie", async () => {
    const planted = new Map([[SESSION_COOKIE, "planted-by-attacker"]]);
    const { r, jar } = await login("op", PASSWORD, planted);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe("/letters");
    const cookie = [r.headers["set-cookie"] ?? []].flat().find((c) => c.startsWith(SESSION_COOKIE));
    expect(cookie).toMatch(/; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
    expect(jar.get(SESSION_COOKIE)).not.toBe("planted-by-attacker");
    expect(Buffer.from(jar.get(SESSION_COOKIE) ?? "", "base64url")).toHaveLength(32);
    // Logged in: the login page sends you on.
    expect((await http("GET", "/login", { cookies: jar })).status).toBe(303);
  });

  it("refuses a login form without the token this browser got with it (login CSRF)", async () => {
    const r = await http("POST", "/login", {
      form: { _csrf: "x", username: "op", password: PASSWORD },
    });
    expect(r.status).toBe(403);
    expect(r.cookies.has(SESSION_COOKIE)).toBe(false);
    const form = await http("GET", "/login");
    const cross = await http("POST", "/login", {
      cookies: form.cookies,
      origin: "https://evil.example",
      form: { _csrf: hidden(form.body, "_csrf"), username: "op", password: PASSWORD },
    });
    expect(cross.status).toBe(403);
  });

  it("answers a wrong password and an unknown user alike, then rate-limits", async () => {
    const wrong = await login("locked", "not the password");
    const unknown = await login("nobody", "not the password");
    expect(wrong.r.status).toBe(401);
    expect(unknown.r.status).toBe(401);
    expect(wrong.r.body).toContain("Tên đăng nhập hoặc mật khẩu không đúng.");
    await login("locked", "still wrong");
    await login("locked", "wrong again");
    // Three failures for "locked": even the right password is not checked now.
    const limited = await login("locked", PASSWORD);
    expect(limited.r.status).toBe(429);
    expect(Number(limited.r.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.r.cookies.has(SESSION_COOKIE)).toBe(false);
  }, 30_000);

  it("refuses state-changing requests without the session's CSRF token, and auditors with 403", async () => {
    const op = (await login("op", PASSWORD)).jar;
    const au = (await login("au", PASSWORD)).jar;
    const noToken = await http("POST", "/dead-letters/redrive", { cookies: op, form: { id: "x" } });
    expect(noToken.status).toBe(403);
    expect(noToken.body).toContain("CSRF");
    const page = await http("GET", "/no-such-page", { cookies: au });
    expect(page.status).toBe(404);
    const auditorToken = hidden(page.body, "_csrf");
    expect(auditorToken).toHaveLength(43);
    // A token of another session is no good either.
    const crossed = await http("POST", "/dead-letters/redrive", {
      cookies: op,
      form: { id: "x", _csrf: auditorToken },
    });
    expect(crossed.status).toBe(403);
    const auditor = await http("POST", "/dead-letters/redrive", {
      cookies: au,
      form: { id: "x", _csrf: auditorToken },
    });
    expect(auditor.status).toBe(403);
    expect(auditor.body).toContain("Không có quyền");
    // Maintenance mode is an operator's switch too.
    const maintenance = await http("POST", "/maintenance", {
      cookies: au,
      form: { on: "true", _csrf: auditorToken },
    });
    expect(maintenance.status).toBe(403);
    expect(maintenance.body).toContain("Không có quyền");
    const foreign = await http("POST", "/dead-letters/redrive", {
      cookies: au,
      origin: "https://evil.example",
      form: { id: "x", _csrf: auditorToken },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain("CSRF");
  }, 30_000);

  it("ends the session on logout (with its token) and escapes what users type", async () => {
    const jar = (await login("op", PASSWORD)).jar;
    const p = await http(
      "GET",
      `/letters?from=${encodeURIComponent("<script>alert(1)</script>")}`,
      { cookies: jar },
    );
    expect(p.body).not.toContain("<script>");
    expect(p.body).toContain("&lt;script&gt;");
    const token = hidden(p.body, "_csrf");
    const out = await http("POST", "/logout", { cookies: jar, form: { _csrf: token } });
    expect(out.status).toBe(303);
    const after = await http("GET", "/letters", { cookies: jar });
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/login/);
  }, 30_000);

  it("refuses a malformed report month or file name before asking the archive", async () => {
    const anonymous = await http("GET", "/reports/2026-11.csv");
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/login/);
    const jar = (await login("au", PASSWORD)).jar;
    const page = await http("GET", `/reports?month=${encodeURIComponent("2026-13<b>")}`, {
      cookies: jar,
    });
    expect(page.status).toBe(400);
    expect(page.body).toContain("Tháng cần có dạng yyyy-mm.");
    expect(page.body).not.toContain("<b>");
    for (const file of ["2026-13.csv", "2026-11.pdf", "report.xlsx"]) {
      const r = await http("GET", `/reports/${file}`, { cookies: jar });
      expect(r.status, file).toBe(400);
      expect(r.body).toContain("REPORT_BAD_FILE");
    }
  }, 30_000);
});
