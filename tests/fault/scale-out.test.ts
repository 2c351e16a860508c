import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Receipt, verifyChain } from "@edoc/receipts";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { api, freePort, repoRoot, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";

/*
 * Scale-out under faults (issue #12): 2 gateways, 2 routers and 2 archives on one bus prefix
 * and one database, against a three-node RabbitMQ cluster (infra/rabbitmq-cluster.sh, every
 * process given the three nodes). During a stream of letters, a third of the way through,
 * one instance of each is killed with SIGKILL and one RabbitMQ node is stopped; the killed
 * instances are started again a little later, the node once the load is through. Then: every
 * accepted letter delivered exactly once, the receipt chain one chain that verifies, and the
 * recipient's inbox the same whichever gateway and archive answer.
 * EDOC_FAULT_LETTERS sets the load (CI: 150; `pnpm fault`: 2000). The cluster and the
 * test's own FerretDB (EDOC_SCALEOUT_FERRETDB_PORT, 27048) are started here and stopped after
 * (EDOC_SCALEOUT_KEEP_INFRA=1 leaves them running for another run).
 */
const LETTERS = Number(process.env.EDOC_FAULT_LETTERS ?? 150);
const SENDER = "000.20.30.H45";
const RECIPIENT = "000.00.02.H45";
const CLUSTER_BASE = Number(process.env.RABBITMQ_CLUSTER_PORT ?? 5681);
const AMQP_URL = [0, 1, 2].map((i) => `amqp://guest:guest@127.0.0.1:${CLUSTER_BASE + i}`).join(",");
const FERRET = {
  FERRETDB_PORT: process.env.EDOC_SCALEOUT_FERRETDB_PORT ?? "27048",
  FERRETDB_DATA: join(repoRoot, "test-output", "scale-out", "ferretdb"),
};
const MONGO_URL = `mongodb://127.0.0.1:${FERRET.FERRETDB_PORT}/?retryWrites=false&directConnection=true`;
const KEEP_INFRA = process.env.EDOC_SCALEOUT_KEEP_INFRA === "1";

function infra(script: string, ...args: string[]): void {
  execFileSync("bash", [join(repoRoot, "infra", script), ...args], {
    env: { ...process.env, ...FERRET, RABBITMQ_CLUSTER_PORT: String(CLUSTER_BASE) },
    stdio: "ignore",
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  infra("rabbitmq-cluster.sh", "start");
  infra("ferretdb.sh", "start");
}, 300_000);
afterAll(() => {
  if (KEEP_INFRA) return;
  infra("rabbitmq-cluster.sh", "stop");
  infra("ferretdb.sh", "stop");
}, 180_000);

it("2 gateways, 2 routers, 2 archives: kill -9 one of each and stop a RabbitMQ node under load; 0 lost, 0 duplicated, one chain", async () => {
  const hub = new TestHub({
    agencies: [SENDER, RECIPIENT],
    env: {
      EDOC_AMQP_URL: AMQP_URL,
      EDOC_MONGO_URL: MONGO_URL,
      EDOC_LOG_LEVEL: "warn",
      // A killed archive's locks are taken over after this long.
      EDOC_LOCK_LEASE_MS: "5000",
    },
  });
  await hub.start();
  const started = Date.now();
  let stopped = false;
  try {
    // The second instance of each, with its own ports.
    const gateways = [hub.port, await freePort()];
    const second = {
      gateway: {
        EDOC_GATEWAY_PORT: String(gateways[1]),
        EDOC_VDXP_PORT: String(await freePort()),
        EDOC_OPS_PORT: String(await freePort()),
      },
      archive: { EDOC_ARCHIVE_OPS_PORT: String(await freePort()) },
    };
    hub.startService("archive", 2, second.archive);
    hub.startService("router", 2);
    hub.startService("gateway", 2, second.gateway);
    await hub.waitHealthy(60_000, gateways[1]);
    const at = (port: number) => ({ port, chainPem: hub.chainPem });

    const sender = hub.agent(SENDER);
    const packets = Array.from({ length: LETTERS }, () =>
      sign(sender, letterXml(SENDER, [RECIPIENT]).xml),
    );
    const accepted = new Set<string>();
    let refused503 = 0;
    let connectionErrors = 0;
    let faultAt = 0;
    let faulting: Promise<void> | undefined;
    let next = 0;
    // The faults: one instance of each killed, one broker node stopped; the instances come back.
    const fault = async () => {
      faultAt = Date.now();
      await hub.kill("archive");
      await hub.kill("router#2");
      await hub.kill("gateway");
      infra("rabbitmq-cluster.sh", "stop-node", "1");
      await sleep(3_000);
      hub.startService("archive");
      hub.startService("router", 2);
      hub.startService("gateway");
    };
    const worker = async (w: number) => {
      // Each agency system talks to one gateway, and to the other when that one is gone.
      let g = w % 2;
      while (next < packets.length) {
        const bytes = packets[next++] as Buffer;
        for (let attempt = 0; ; attempt++) {
          let status = 0;
          let body: { hubDocumentId?: string } = {};
          try {
            const r = await api(at(gateways[g] as number), sender, "POST", "/documents", bytes);
            status = r.status;
            body = r.json() as typeof body;
          } catch {
            connectionErrors++;
            g = 1 - g;
          }
          if (status === 202 || status === 200) {
            accepted.add(body.hubDocumentId ?? "");
            break;
          }
          if (status === 503) refused503++;
          else if (status !== 0) throw new Error(`unexpected ${status} ${JSON.stringify(body)}`);
          if (attempt > 400) throw new Error("letter never accepted");
          await sleep(250);
        }
        if (!faulting && accepted.size >= LETTERS / 3) faulting = fault();
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
    await faulting;
    const loadSeconds = (Date.now() - started) / 1000;
    expect(accepted.size).toBe(LETTERS);
    infra("rabbitmq-cluster.sh", "start-node", "1");

    const client = await MongoClient.connect(MONGO_URL);
    try {
      const db = client.db(hub.dbName);
      // Drain: every accepted letter delivered to the recipient, counted in the database.
      let rows: { _id: unknown; hubDocumentId: string }[] = [];
      const deadline = Date.now() + 300_000;
      while (Date.now() < deadline) {
        rows = await Promise.all(
          ["deliveries", "settledDeliveries"].map((name) =>
            db
              .collection<{ hubDocumentId: string }>(name)
              .find({ recipient: RECIPIENT }, { projection: { hubDocumentId: 1 } })
              .toArray(),
          ),
        )
          .then(([open = [], settled = []]) => [
            ...new Map([...open, ...settled].map((r) => [String(r._id), r])).values(),
          ])
          .catch(() => rows);
        if (rows.length >= LETTERS) break;
        await sleep(1_000);
      }
      const count = new Map<string, number>();
      for (const r of rows) count.set(r.hubDocumentId, (count.get(r.hubDocumentId) ?? 0) + 1);
      const lost = [...accepted].filter((d) => !count.has(d)).length;
      const duplicated = [...count.values()].filter((n) => n > 1).length;
      const drainSeconds = (Date.now() - started) / 1000 - loadSeconds;

      // The chain: one, verifying, each letter accepted and made available once.
      const receipts = (await db.collection("receipts").find({}).toArray())
        .map(({ _id, ...r }) => r as unknown as Receipt)
        .sort((a, b) => a.seq - b.seq);
      const chain = verifyChain(receipts);
      expect(chain.ok).toBe(true);
      expect(receipts.map((r) => r.seq)).toEqual(receipts.map((_, i) => i + 1));
      expect(receipts.filter((r) => r.type === "accepted")).toHaveLength(LETTERS);
      expect(receipts.filter((r) => r.type === "available")).toHaveLength(LETTERS);

      // The inbox: the same answer through either gateway, whichever archive takes the RPC.
      const recipient = hub.agent(RECIPIENT);
      const pending = async (port: number) => {
        const r = await api(at(port), recipient, "GET", "/inbox?state=pending&limit=1000");
        expect(r.status).toBe(200);
        return (r.json() as { items: { deliveryId: string; hubDocumentId: string }[] }).items;
      };
      const views = [];
      for (let i = 0; i < 6; i++) views.push(await pending(gateways[i % 2] as number));
      const expected = Math.min(LETTERS, 1000);
      for (const v of views) {
        expect(v).toHaveLength(expected);
        expect(v.map((d) => d.deliveryId)).toEqual(views[0]?.map((d) => d.deliveryId));
        for (const d of v) expect(accepted.has(d.hubDocumentId)).toBe(true);
      }
      // Fetched through one gateway, gone from the pending inbox through both.
      const taken = (views[0] ?? []).slice(0, 10);
      for (const d of taken) {
        const r = await api(
          at(gateways[0] as number),
          recipient,
          "GET",
          `/inbox/${d.deliveryId}/edxml`,
        );
        expect(r.status).toBe(200);
      }
      const gone = new Set(taken.map((d) => d.deliveryId));
      for (let i = 0; i < 4; i++) {
        const v = await pending(gateways[i % 2] as number);
        expect(v.filter((d) => gone.has(d.deliveryId))).toEqual([]);
        expect(v).toHaveLength(Math.min(LETTERS - 10, 1000));
      }

      const row = {
        letters: LETTERS,
        accepted: accepted.size,
        refused503,
        connectionErrors,
        delivered: count.size,
        lost,
        duplicated,
        receipts: receipts.length,
        loadSeconds: loadSeconds.toFixed(1),
        drainSeconds: drainSeconds.toFixed(1),
        faultAfterSeconds: ((faultAt - started) / 1000).toFixed(1),
      };
      const out = join(repoRoot, "test-output", "scale-out");
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, "scale-out.json"), `${JSON.stringify(row, null, 2)}\n`);
      process.stdout.write(`\nscale-out: ${JSON.stringify(row)}\n`);
      expect(lost).toBe(0);
      expect(duplicated).toBe(0);
      expect(count.size).toBe(LETTERS);
    } finally {
      await client.close();
    }
    await hub.stop();
    stopped = true;
  } finally {
    if (!stopped) await hub.stop().catch(() => undefined);
  }
}, 1_200_000);
