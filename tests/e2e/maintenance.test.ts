import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleClient, csrf } from "../support/console.js";
import { amqpUrl, waitUntil } from "../support/env.js";
import { api, consoleUser, repoRoot, TestHub } from "../support/hub.js";
import { letterXml, receiveAndAck, sign, statusPacket } from "../support/letters.js";

// Maintenance mode switched with the real `edoc maintenance` (built CLI) over the bus: the
// gateways refuse new letters and statuses with 503 MAINTENANCE + Retry-After while inboxes
// stay readable, a restarted gateway obeys it at once, and switching it off opens the door.
const SENDER = "000.20.30.H45";
const RECIPIENT = "000.00.02.H45";

const OPERATOR = consoleUser("vanhanh", "operator");
const AUDITOR = consoleUser("kiemtoan", "auditor");

const hub = new TestHub({
  agencies: [SENDER, RECIPIENT],
  console: { users: [OPERATOR, AUDITOR] },
  env: { EDOC_MAINTENANCE_POLL_MS: "200" },
});

function edoc(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, "packages", "cli", "dist", "main.js"), ...args],
    {
      encoding: "utf8",
      env: { ...process.env, EDOC_AMQP_URL: amqpUrl, EDOC_BUS_PREFIX: hub.prefix },
    },
  );
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const submit = (bytes: Buffer) => api(hub, hub.agent(SENDER), "POST", "/documents", bytes);

beforeAll(async () => {
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

describe("maintenance mode", () => {
  it("refuses submissions with 503 MAINTENANCE and Retry-After while inboxes stay available, then lets them in again", async () => {
    // A letter delivered before maintenance starts.
    const before = letterXml(SENDER, [RECIPIENT]);
    const beforeBytes = sign(hub.agent(SENDER), before.xml);
    expect((await submit(beforeBytes)).status).toBe(202);
    const waiting = await waitUntil("delivery available", async () => {
      const r = await api(hub, hub.agent(RECIPIENT), "GET", "/inbox?state=pending");
      const items = (r.json() as { items: { deliveryId: string }[] }).items;
      return items[0];
    });

    const on = edoc(
      "maintenance",
      "on",
      "--retry-after",
      "120",
      "--reason",
      "nâng cấp CSDL",
      "--by",
      "vanhanh",
    );
    expect(on.err).toBe("");
    expect(on.status).toBe(0);
    expect(on.out).toContain("maintenance ON by vanhanh");
    const status = edoc("maintenance", "status", "--json");
    expect(status.status).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({
      on: true,
      retryAfterSeconds: 120,
      reason: "nâng cấp CSDL",
      by: "vanhanh",
    });

    const next = letterXml(SENDER, [RECIPIENT]);
    const nextBytes = sign(hub.agent(SENDER), next.xml);
    const refused = await waitUntil("gateway refuses", async () => {
      const r = await submit(nextBytes);
      return r.status === 503 ? r : undefined;
    });
    expect(refused.json()).toMatchObject({ code: "MAINTENANCE" });
    expect((refused.json() as { message: string }).message).toContain("nâng cấp CSDL");
    expect(refused.headers["retry-after"]).toBe("120");
    // Statuses are submissions too.
    const asRecipient = await api(
      hub,
      hub.agent(RECIPIENT),
      "POST",
      "/statuses",
      statusPacket(hub.agent(RECIPIENT), SENDER, before.documentId, "01"),
    );
    expect(asRecipient.status).toBe(503);
    expect(asRecipient.json()).toMatchObject({ code: "MAINTENANCE" });
    expect(asRecipient.headers["retry-after"]).toBe("120");

    // Reading and acknowledging stay available.
    await receiveAndAck(hub, hub.agent(RECIPIENT), waiting.deliveryId, beforeBytes);
    const docs = await api(hub, hub.agent(SENDER), "GET", "/documents");
    expect(docs.status).toBe(200);

    // A restarted gateway obeys the stored switch before it takes its first request.
    await hub.stopService("gateway");
    hub.startService("gateway");
    await hub.waitHealthy();
    const afterRestart = await submit(nextBytes);
    expect(afterRestart.status).toBe(503);

    const off = edoc("maintenance", "off");
    expect(off.status).toBe(0);
    expect(off.out).toContain("maintenance off");
    const accepted = await waitUntil("gateway accepts again", async () => {
      const r = await submit(nextBytes);
      return r.status === 202 ? r : undefined;
    });
    expect(accepted.json()).toMatchObject({ outcome: "accepted" });
  }, 120_000);

  it("operators switch it from the console's maintenance page; auditors only see it", async () => {
    const auditor = new ConsoleClient(hub);
    await auditor.logIn(AUDITOR, "/maintenance");
    const seen = await auditor.request("GET", "/maintenance");
    expect(seen.status).toBe(200);
    expect(seen.body).toContain('data-on="false"');
    expect(seen.body).not.toContain('id="maintenance-on"');
    const refused = await auditor.request("POST", "/maintenance", {
      _csrf: csrf(seen.body),
      on: "true",
    });
    expect(refused.status).toBe(403);

    const operator = new ConsoleClient(hub);
    await operator.logIn(OPERATOR, "/maintenance");
    const off = await operator.request("GET", "/maintenance");
    expect(off.body).toContain('id="maintenance-on"');
    const switched = await operator.request("POST", "/maintenance", {
      _csrf: csrf(off.body),
      on: "true",
      reason: "chuyển máy chủ",
      retryAfter: "90",
    });
    expect(switched.status).toBe(303);
    expect(switched.location).toBe("/maintenance");
    const on = await operator.request("GET", "/maintenance");
    expect(on.body).toContain('data-on="true"');
    expect(on.body).toContain("chuyển máy chủ");
    expect(on.body).toContain("vanhanh");
    expect(JSON.parse(edoc("maintenance", "status", "--json").out)).toMatchObject({
      on: true,
      retryAfterSeconds: 90,
      by: "vanhanh",
    });
    const letter = sign(hub.agent(SENDER), letterXml(SENDER, [RECIPIENT]).xml);
    const r503 = await waitUntil("gateway refuses", async () => {
      const r = await submit(letter);
      return r.status === 503 ? r : undefined;
    });
    expect(r503.headers["retry-after"]).toBe("90");

    const back = await operator.request("POST", "/maintenance", {
      _csrf: csrf(on.body),
      on: "false",
    });
    expect(back.status).toBe(303);
    expect((await operator.request("GET", "/maintenance")).body).toContain('data-on="false"');
    await waitUntil("gateway accepts again", async () => {
      const r = await submit(letter);
      return r.status === 202 ? r : undefined;
    });
  }, 60_000);

  it("says how to use it when the action or --retry-after is wrong (exit 2)", () => {
    const bad = edoc("maintenance", "sideways");
    expect(bad.status).toBe(2);
    expect(bad.err).toContain("edoc maintenance: unknown subcommand 'sideways'");
    expect(bad.err).toContain("edoc maintenance status");
    const badRetry = edoc("maintenance", "on", "--retry-after", "0");
    expect(badRetry.status).toBe(2);
    expect(badRetry.err).toContain("edoc maintenance on: --retry-after must be 1 to 86400 seconds");
    // Switching off takes no Retry-After.
    expect(edoc("maintenance", "off", "--retry-after", "5").status).toBe(2);
  });
});
