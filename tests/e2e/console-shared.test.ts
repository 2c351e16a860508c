import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleClient, csrf } from "../support/console.js";
import { consoleUser, freePort, TestHub } from "../support/hub.js";

// Two console processes behind one (imagined) balancer, on one archive: a session made on one
// is good on the other and survives a restart of both, failed logins count across them, and a
// form's one-shot message reaches the page after the redirect whichever instance serves it.
const OPERATOR = consoleUser("vanhanh", "operator");

const hub = new TestHub({
  agencies: ["000.00.02.H45"],
  console: { users: [OPERATOR] },
  env: { EDOC_CONSOLE_LOGIN_ATTEMPTS: "3" },
});
let secondPort = 0;

async function startSecond(): Promise<void> {
  hub.startService("console", 2, {
    EDOC_CONSOLE_PORT: String(secondPort),
    EDOC_CONSOLE_OPS_PORT: String(await freePort()),
  });
  await hub.waitConsole(30_000, secondPort);
}

beforeAll(async () => {
  await hub.start();
  secondPort = await freePort();
  await startSecond();
}, 180_000);
afterAll(async () => {
  await hub.stop();
});

describe("console sessions shared through the archive", () => {
  it("a login on one instance is a session on the other, and survives restarts of both", async () => {
    const browser = new ConsoleClient(hub);
    await browser.logIn(OPERATOR);
    browser.port = secondPort;
    const onB = await browser.request("GET", "/letters");
    expect(onB.status).toBe(200);
    expect(onB.body).toContain(OPERATOR.username);

    await hub.stopService("console");
    await hub.stopService("console#2");
    hub.startService("console");
    await hub.waitConsole();
    await startSecond();
    for (const port of [hub.consolePort, secondPort]) {
      browser.port = port;
      const page = await browser.request("GET", "/letters");
      expect(page.status).toBe(200);
      expect(page.body).toContain(OPERATOR.username);
    }

    // Logout on A ends the session on B too.
    browser.port = hub.consolePort;
    const letters = await browser.request("GET", "/letters");
    const out = await browser.request("POST", "/logout", { _csrf: csrf(letters.body) });
    expect(out.status).toBe(303);
    browser.port = secondPort;
    expect((await browser.request("GET", "/letters")).status).toBe(303);
  }, 120_000);

  it("a form's message shows after the redirect on the other instance", async () => {
    const browser = new ConsoleClient(hub);
    await browser.logIn(OPERATOR, "/maintenance");
    const form = await browser.request("GET", "/maintenance");
    const on = await browser.request("POST", "/maintenance", {
      _csrf: csrf(form.body),
      on: "true",
      retryAfter: "60",
      reason: "kiểm thử",
    });
    expect(on.status).toBe(303);
    browser.port = secondPort;
    const shown = await browser.request("GET", "/maintenance");
    expect(shown.body).toContain("Đã bật bảo trì");
    expect((await browser.request("GET", "/maintenance")).body).not.toContain("Đã bật bảo trì");
    const off = await browser.request("POST", "/maintenance", {
      _csrf: csrf(shown.body),
      on: "false",
    });
    expect(off.status).toBe(303);
  }, 60_000);

  it("failed logins count across instances", async () => {
    const attacker = new ConsoleClient(hub);
    const wrong = { ...OPERATOR, password: "sai mật khẩu" };
    const statuses: number[] = [];
    for (const port of [hub.consolePort, secondPort, hub.consolePort, secondPort]) {
      attacker.port = port;
      const form = await attacker.request("GET", "/login");
      const r = await attacker.request("POST", "/login", {
        _csrf: csrf(form.body),
        next: "/letters",
        username: wrong.username,
        password: wrong.password,
      });
      statuses.push(r.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // The right password is refused too while the username is locked, on either instance.
    const owner = new ConsoleClient(hub);
    await expect(owner.logIn(OPERATOR)).rejects.toThrow(/429/);
  }, 60_000);
});
