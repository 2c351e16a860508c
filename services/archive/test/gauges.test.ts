import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryDoc } from "../src/collections.js";
import {
  deliveryId,
  type Harness,
  letter,
  ORG,
  planFor,
  startHarness,
  status,
  waitFor,
} from "./harness.js";

// The hub's gauges (src/gauges.ts) computed by a real archive from FerretDB and RabbitMQ. The
// urgent window is 0 minutes: an urgent letter is overdue as soon as it is available.
const registry = new Registry();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    reconcileMs: 60_000,
    gauges: { registry, refreshMs: 100, policy: { urgentMinutes: 0, officeEndHour: 17 } },
  });
});
afterAll(async () => {
  await h?.close();
});

/** The gauge's samples as `labels → value`, labels joined in name order. */
async function values(name: string): Promise<Map<string, number>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const out = new Map<string, number>();
  for (const v of (await metric.get()).values) {
    const key = Object.entries(v.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => `${k}=${x}`)
      .join(",");
    out.set(key, v.value);
  }
  return out;
}

/** Waits for the next refresh after now, so what was just written is counted. */
async function refreshed(): Promise<void> {
  const start = Date.now() / 1000;
  await waitFor(async () => {
    const at = (await values("edoc_archive_gauges_refreshed_timestamp_seconds")).get("");
    return at !== undefined && at > start ? true : undefined;
  });
}

describe("hub gauges", () => {
  it("count overdue letters by recipient and priority, the unacknowledged and the oldest of them, and forget them once acknowledged", async () => {
    const urgent = letter({ to: [ORG.home], priority: 2 });
    const normal = letter({ to: [ORG.home, ORG.health] });
    for (const x of [urgent, normal]) await h.rpc("packets.accept", x);
    await h.peer.publishJson("archive.plans", planFor(urgent.hubDocumentId, [ORG.home]), {
      messageId: `plan-${urgent.hubDocumentId}`,
    });
    await h.peer.publishJson(
      "archive.plans",
      planFor(normal.hubDocumentId, [ORG.home, ORG.health]),
      { messageId: `plan-${normal.hubDocumentId}` },
    );
    // A status back to the sender: delivered, unacknowledged, but with no legal deadline.
    const st = status(ORG.home, urgent, "01");
    await h.rpc("packets.accept", st);
    await h.peer.publishJson("archive.plans", planFor(st.hubDocumentId, [ORG.province]), {
      messageId: `plan-${st.hubDocumentId}`,
    });
    await h.settle();
    // A normal letter that arrived three days ago: past the end of its working day.
    const old: DeliveryDoc = {
      _id: "old-delivery",
      hubDocumentId: "hub-old",
      recipient: ORG.health,
      addressedTo: ORG.health,
      via: [],
      kind: "letter",
      docType: "new",
      from: ORG.province,
      documentId: "old",
      priority: 0,
      state: "available",
      availableAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
    };
    await h.store.db.collection<DeliveryDoc>("deliveries").insertOne(old);
    await refreshed();

    expect(await values("edoc_deliveries_overdue")).toEqual(
      new Map([
        [`agency=${ORG.home},priority=2`, 1],
        [`agency=${ORG.health},priority=0`, 1],
      ]),
    );
    expect(await values("edoc_deliveries_unacknowledged")).toEqual(
      new Map([
        [`agency=${ORG.home}`, 2],
        [`agency=${ORG.health}`, 2],
        [`agency=${ORG.province}`, 1],
      ]),
    );
    const oldest = await values("edoc_oldest_unacknowledged_delivery_seconds");
    expect(oldest.get(`agency=${ORG.health}`)).toBeGreaterThan(3 * 86_400 - 60);
    expect(oldest.get(`agency=${ORG.home}`)).toBeLessThan(600);

    // Fetching is not acknowledging; acknowledging ends it.
    const id = deliveryId(urgent.hubDocumentId, ORG.home);
    await h.rpc("inbox.fetch", { actingFor: [ORG.home], deliveryId: id });
    await refreshed();
    expect((await values("edoc_deliveries_overdue")).get(`agency=${ORG.home},priority=2`)).toBe(1);
    await h.rpc("inbox.ack", { actingFor: [ORG.home], deliveryId: id, result: "done" });
    await refreshed();
    expect((await values("edoc_deliveries_overdue")).has(`agency=${ORG.home},priority=2`)).toBe(
      false,
    );
    expect((await values("edoc_deliveries_unacknowledged")).get(`agency=${ORG.home}`)).toBe(1);
  });

  it("count open dead letters by origin queue, and every queue's depth and consumers", async () => {
    await h.peer.publishJson(
      "archive.plans",
      { hubDocumentId: "x", deliveries: "nope" },
      { messageId: "bad-plan-gauge" },
    );
    await waitFor(async () =>
      (await values("edoc_dead_letters_open")).get("origin=archive.plans") === 1 ? true : undefined,
    );
    const consumers = await values("edoc_queue_consumers");
    // The archive consumes archive.plans, dead and archive.rpc; the test plays the router.
    for (const q of ["archive.plans", "dead", "archive.rpc", "router.inbound"])
      expect(consumers.get(`queue=${q}`)).toBeGreaterThanOrEqual(1);
    await refreshed();
    expect((await values("edoc_queue_messages")).get("queue=dead")).toBe(0);
  });
});
