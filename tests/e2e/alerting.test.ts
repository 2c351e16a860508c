import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../support/env.js";
import { api, freePort, repoRoot, TestHub } from "../support/hub.js";
import { letterXml, receiveAndAck, sign } from "../support/letters.js";

// A delivery driven past its legal deadline on a real hub: the archive's gauge shows it, and a
// real Prometheus (Debian's package; loopback, its own port and data directory) scraping the
// hub with infra/prometheus/alerts.yml fires the alert. The urgent window is 0 minutes here,
// so an urgent letter is overdue as soon as it is available and not acknowledged.
const SENDER = "000.20.30.H45"; // UBND Phường 1
const RECIPIENT = "000.00.02.H45"; // Sở Nội vụ

const hub = new TestHub({
  agencies: [SENDER, RECIPIENT],
  env: { EDOC_URGENT_RECEIPT_MINUTES: "0", EDOC_METRICS_REFRESH_MS: "300" },
});
let prometheus: ChildProcess | undefined;
let promPort = 0;

async function text(url: string): Promise<string> {
  const r = await fetch(url);
  return r.text();
}

/** The value of one sample of an exposition, or undefined when the series is absent. */
function sample(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metrics.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const matches = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

interface PromAlert {
  labels: Record<string, string>;
  state: string;
}

async function alerts(): Promise<PromAlert[]> {
  const body = JSON.parse(await text(`http://127.0.0.1:${promPort}/api/v1/alerts`)) as {
    data: { alerts: PromAlert[] };
  };
  return body.data.alerts;
}

beforeAll(async () => {
  await hub.start();
  promPort = await freePort();
  const dir = join(hub.dir, "prometheus");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      `rule_files: [${JSON.stringify(join(repoRoot, "infra", "prometheus", "alerts.yml"))}]`,
      "scrape_configs:",
      `  - { job_name: edoc-archive, static_configs: [{ targets: ["127.0.0.1:${hub.archiveOpsPort}"] }] }`,
      `  - { job_name: edoc-gateway, static_configs: [{ targets: ["127.0.0.1:${hub.opsPort}"] }] }`,
      "",
    ].join("\n"),
  );
  const log = openSync(join(dir, "prometheus.log"), "a");
  prometheus = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { stdio: ["ignore", log, log] },
  );
  await waitUntil("prometheus ready", () =>
    fetch(`http://127.0.0.1:${promPort}/-/ready`).then(
      (r) => (r.ok ? true : undefined),
      () => undefined,
    ),
  );
}, 120_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus?.once("exit", r));
    prometheus.kill("SIGTERM");
    await exited;
  }
  await hub.stop();
});

describe("alerting on the legal receipt deadline", () => {
  it("an urgent letter left unacknowledged shows as overdue and fires EdocUrgentDeliveryOverdue; acknowledging it clears both", async () => {
    const urgent = letterXml(SENDER, [RECIPIENT], { priority: 3, subject: "V/v hỏa tốc" });
    const normal = letterXml(SENDER, [RECIPIENT]);
    const urgentBytes = sign(hub.agent(SENDER), urgent.xml);
    for (const bytes of [urgentBytes, sign(hub.agent(SENDER), normal.xml)]) {
      const r = await api(hub, hub.agent(SENDER), "POST", "/documents", bytes);
      expect(r.status).toBe(202);
    }
    const archiveMetrics = `http://127.0.0.1:${hub.archiveOpsPort}/metrics`;
    const overdue = (m: string, priority: string) =>
      sample(m, "edoc_deliveries_overdue", { agency: RECIPIENT, priority });
    const metrics = await waitUntil("overdue gauge", async () => {
      const m = await text(archiveMetrics);
      const open = sample(m, "edoc_deliveries_unacknowledged", { agency: RECIPIENT });
      return overdue(m, "3") === 1 && open === 2 ? m : undefined;
    });
    // The normal letter is due by the end of its working day: unacknowledged, not overdue.
    expect(overdue(metrics, "0")).toBeUndefined();
    expect(
      sample(metrics, "edoc_oldest_unacknowledged_delivery_seconds", { agency: RECIPIENT }),
    ).toBeGreaterThanOrEqual(0);
    expect(sample(metrics, "edoc_queue_consumers", { queue: "archive.plans" })).toBeGreaterThan(0);
    expect(sample(metrics, "edoc_queue_messages", { queue: "dead" })).toBe(0);

    const firing = await waitUntil(
      "EdocUrgentDeliveryOverdue firing",
      async () => {
        const a = (await alerts()).find(
          (x) => x.labels.alertname === "EdocUrgentDeliveryOverdue" && x.state === "firing",
        );
        return a;
      },
      60_000,
    );
    expect(firing.labels).toMatchObject({ agency: RECIPIENT, priority: "3", severity: "critical" });
    expect((await alerts()).some((x) => x.labels.alertname === "EdocDeliveryOverdue")).toBe(false);

    // The recipient acknowledges: the gauge loses the series and the alert resolves.
    const inbox = await api(hub, hub.agent(RECIPIENT), "GET", "/inbox?state=pending");
    const items = (inbox.json() as { items: { deliveryId: string; priority?: number }[] }).items;
    const item = items.find((i) => i.priority === 3);
    if (!item) throw new Error("the urgent letter is not in the recipient's inbox");
    await receiveAndAck(hub, hub.agent(RECIPIENT), item.deliveryId, urgentBytes);
    await waitUntil("overdue gauge cleared", async () =>
      overdue(await text(archiveMetrics), "3") === undefined ? true : undefined,
    );
    await waitUntil("alert resolved", async () =>
      (await alerts()).some((x) => x.labels.alertname === "EdocUrgentDeliveryOverdue")
        ? undefined
        : true,
    );
  }, 150_000);

  it("the gateway exports how long the hub certificate, the trusted CAs and the CRLs have left", async () => {
    const m = await text(`http://127.0.0.1:${hub.opsPort}/metrics`);
    const hubCert = sample(m, "edoc_certificate_expiry_seconds", { role: "hub" });
    const ca = sample(m, "edoc_certificate_expiry_seconds", { role: "trust" });
    const next = sample(m, "edoc_crl_next_update_seconds", {});
    const age = sample(m, "edoc_crl_age_seconds", {});
    // The dev PKI: certificates for a year or more, CRLs for seven days, issued minutes ago.
    expect(hubCert).toBeGreaterThan(300 * 86_400);
    expect(ca).toBeGreaterThan(hubCert ?? 0);
    expect(next).toBeGreaterThan(6 * 86_400);
    expect(next).toBeLessThanOrEqual(7 * 86_400);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(3_600);
    expect(sample(m, "edoc_maintenance_mode", {})).toBe(0);
    // No certificate alert on a fresh PKI.
    const names = (await alerts()).map((a) => a.labels.alertname);
    expect(names.filter((n) => n?.startsWith("EdocC"))).toEqual([]);
  });
});
