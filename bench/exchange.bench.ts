import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TestHub } from "../tests/support/hub.js";
import { letterXml, sign } from "../tests/support/letters.js";
import { amqpRoundTrip, mongoInserts, verifyOnly } from "./baselines.js";
import { type ExchangeCase, type ExchangeResult, runExchange, startBenchHub } from "./exchange.js";
import { fmt, table } from "./measure.js";

// `pnpm bench` — the whole hub (gateway, router, archive, RabbitMQ, FerretDB) and the load
// generator on this one machine. EDOC_BENCH_SCALE multiplies the letter counts (default 1).
const scale = Number(process.env.EDOC_BENCH_SCALE ?? 1);
const n = (x: number) => Math.max(1, Math.round(x * scale));
const KB = 1024;
const MB = 1024 * KB;

const ALL_CASES: ExchangeCase[] = [
  {
    name: "10 KB → 1 recipient (closed loop, 32 in flight)",
    letters: n(600),
    recipients: 1,
    attachmentBytes: 7 * KB,
    concurrency: 32,
  },
  {
    name: "10 KB → 1 recipient at 50 letters/s offered",
    letters: n(500),
    recipients: 1,
    attachmentBytes: 7 * KB,
    concurrency: 0,
    offeredPerSecond: 50,
  },
  {
    name: "10 KB → 20 recipients",
    letters: n(60),
    recipients: 20,
    attachmentBytes: 7 * KB,
    concurrency: 8,
  },
  {
    name: "2 MB attachment → 1 recipient",
    letters: n(10),
    recipients: 1,
    attachmentBytes: 2 * MB,
    concurrency: 2,
  },
  {
    name: "20 MB attachment → 1 recipient",
    letters: Math.max(1, Math.round(2 * scale)),
    recipients: 1,
    attachmentBytes: 20 * MB,
    concurrency: 1,
  },
];

// EDOC_BENCH_CASES=1,3 runs a subset (1-based).
const only = (process.env.EDOC_BENCH_CASES ?? "").split(",").filter(Boolean).map(Number);
const CASES = only.length ? ALL_CASES.filter((_, i) => only.includes(i + 1)) : ALL_CASES;

let hub: TestHub;
let ids: string[];
beforeAll(async () => {
  ({ hub, ids } = await startBenchHub(22));
});
afterAll(async () => {
  await hub?.stop();
});

it("exchange benchmark", async () => {
  const sample = sign(
    hub.agent(ids[0]!),
    letterXml(ids[0]!, [ids[1]!], { attachmentBytes: 7 * KB }).xml,
  );
  const baseline = {
    amqp: await amqpRoundTrip(sample.length, n(3000), 500),
    mongo: await mongoInserts(n(2000)),
    verify: await verifyOnly(hub, sample, n(300)),
  };
  table(
    "Baselines (same run)",
    ["what", "per second"],
    [
      [
        `raw amqplib publish+confirm→consume, ${sample.length} B, quorum queue, 500 outstanding`,
        fmt(baseline.amqp, 0),
      ],
      ["raw MongoDB-protocol insertOne of a receipt-sized document", fmt(baseline.mongo, 0)],
      ["signature verification alone (verifyPacket, 10 KB letter)", fmt(baseline.verify, 0)],
    ],
  );

  const results: ExchangeResult[] = [];
  for (const c of CASES) results.push(await runExchange(hub, ids, c));
  table(
    "Hub",
    [
      "case",
      "letters",
      "deliveries",
      "accepted/s",
      "delivered+acked/s",
      "÷ verify",
      "÷ amqp",
      "accepted p50/p95/p99 ms",
      "available p50/p95/p99 ms",
      "acked p50/p95/p99 ms",
      "lost",
      "503s",
      "peak RSS gw/router/archive MiB",
      "RSS growth gw/router/archive MiB",
    ],
    results.map((r) => [
      r.name,
      r.letters,
      r.deliveries,
      fmt(r.acceptedPerSecond),
      fmt(r.lettersPerSecond),
      fmt(r.acceptedPerSecond / baseline.verify, 2),
      fmt(r.acceptedPerSecond / baseline.amqp, 3),
      `${fmt(r.accepted.p50, 0)} / ${fmt(r.accepted.p95, 0)} / ${fmt(r.accepted.p99, 0)}`,
      `${fmt(r.available.p50, 0)} / ${fmt(r.available.p95, 0)} / ${fmt(r.available.p99, 0)}`,
      `${fmt(r.acknowledged.p50, 0)} / ${fmt(r.acknowledged.p95, 0)} / ${fmt(r.acknowledged.p99, 0)}`,
      r.lost,
      r.refused503,
      `${fmt(r.memory.gateway.peakMiB, 0)} / ${fmt(r.memory.router.peakMiB, 0)} / ${fmt(r.memory.archive.peakMiB, 0)}`,
      `${fmt(r.memory.gateway.growthMiB, 0)} / ${fmt(r.memory.router.growthMiB, 0)} / ${fmt(r.memory.archive.growthMiB, 0)}`,
    ]),
  );
  table(
    "CPU ms per letter",
    [
      "case",
      "hub (gw+router+archive)",
      "gateway",
      "router",
      "archive",
      "signer (receipt key)",
      "ferretdb",
      "rabbitmq",
      "load generator",
    ],
    results.map((r) => [
      r.name,
      fmt(r.cpuMsPerLetter.gateway + r.cpuMsPerLetter.router + r.cpuMsPerLetter.archive, 1),
      ...(
        ["gateway", "router", "archive", "signer", "ferretdb", "rabbitmq", "loadgen"] as const
      ).map((k) => fmt(r.cpuMsPerLetter[k], 1)),
    ]),
  );
  const metrics = await (await fetch(`http://127.0.0.1:${hub.archiveOpsPort}/metrics`)).text();
  process.stdout.write(
    `\narchive database commands:\n${metrics
      .split("\n")
      .filter(
        (l) =>
          l.startsWith("edoc_archive_db_command_seconds_count") ||
          l.startsWith("edoc_archive_db_command_seconds_sum"),
      )
      .join("\n")}\n`,
  );
  // Every case's letters and deliveries together: the 20-recipient case weighs in per delivery.
  const commands = metrics
    .split("\n")
    .filter((l) => l.startsWith("edoc_archive_db_command_seconds_count"))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
  const deliveries = results.reduce((sum, r) => sum + r.deliveries, 0);
  process.stdout.write(
    `archive database commands per delivery, whole run: ${fmt(commands / deliveries, 1)}\n`,
  );
  mkdirSync("test-output/bench", { recursive: true });
  writeFileSync(
    `test-output/bench/exchange-${Date.now()}.json`,
    JSON.stringify({ scale, baseline, results }, null, 2),
  );
  for (const r of results) expect(r.lost).toBe(0);
});
