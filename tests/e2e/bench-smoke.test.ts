import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { amqpRoundTrip, mongoInserts, verifyOnly } from "../../bench/baselines.js";
import { runExchange, startBenchHub } from "../../bench/exchange.js";
import type { TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";

// A small run of `pnpm bench` in every test run, so the benchmark cannot rot.
let hub: TestHub;
let ids: string[];
beforeAll(async () => {
  ({ hub, ids } = await startBenchHub(4));
}, 120_000);
afterAll(async () => {
  await hub?.stop();
});

describe("benchmark smoke run", () => {
  it("measures baselines and a small exchange with fan-out, losing nothing", async () => {
    const sample = sign(hub.agent(ids[0]!), letterXml(ids[0]!, [ids[1]!]).xml);
    expect(await amqpRoundTrip(sample.length, 50, 10)).toBeGreaterThan(0);
    expect(await mongoInserts(20)).toBeGreaterThan(0);
    expect(await verifyOnly(hub, sample, 5)).toBeGreaterThan(0);
    const r = await runExchange(hub, ids, {
      name: "smoke",
      letters: 6,
      recipients: 3,
      attachmentBytes: 1024,
      concurrency: 3,
    });
    expect(r.lost).toBe(0);
    expect(r.deliveries).toBe(18);
    expect(r.lettersPerSecond).toBeGreaterThan(0);
    expect(r.available.p99).toBeGreaterThanOrEqual(r.available.p50);
    expect(r.memory.gateway.peakMiB).toBeGreaterThan(10);
  }, 120_000);
});
