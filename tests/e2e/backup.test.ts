import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listTar } from "@edoc/backup";
import { type Receipt, verifyChain } from "@edoc/receipts";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { amqpUrl, mongoUrl } from "../support/env.js";
import { type Agent, api, repoRoot, TestHub } from "../support/hub.js";
import { letterXml, sign, statusPacket } from "../support/letters.js";

// Backup, restore and retention on real processes, RabbitMQ and FerretDB: a hub with traffic
// (letters, one large enough to travel in chunks, a status, fetches and acks) is backed up with
// `edoc backup`, its database dropped, restored with `edoc restore`; the chain verifies and
// every inbox answers as before, byte for byte. A damaged backup is refused. Then a retention
// run purges the bytes of a settled letter, and the chain still verifies.
const COMMUNE = "000.20.30.H45"; // UBND Phường 1, TP Tuy Hòa
const DISTRICT = "000.00.30.H45"; // UBND TP Tuy Hòa
const DEPT = "000.00.02.H45"; // Sở Nội vụ
const AGENCIES = [COMMUNE, DISTRICT, DEPT];

// Letters are past the retention period one second after acceptance: `retention apply` below.
const hub = new TestHub({ agencies: AGENCIES, env: { EDOC_RETENTION_DAYS: String(1 / 86_400) } });
const A = (id: string): Agent => hub.agent(id);
const CLI = join(repoRoot, "packages", "cli", "dist", "main.js");
const SERVICES = ["archive", "router", "gateway"] as const;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
const edoc = (...args: string[]) => run(process.execPath, [CLI, ...args]);
const db = ["--mongo", mongoUrl, "--db", hub.dbName];
const bus = ["--amqp", amqpUrl, "--prefix", hub.prefix];

interface Item {
  deliveryId: string;
  hubDocumentId: string;
  kind: string;
  state: string;
}

async function inbox(who: string): Promise<Item[]> {
  const r = await api(hub, A(who), "GET", "/inbox?state=all");
  expect(r.status).toBe(200);
  return (r.json() as { items: Item[] }).items;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The delivery of `hubDocumentId` in `who`'s inbox, once planned. */
const delivery = (who: string, hubDocumentId: string) =>
  waitFor(`${hubDocumentId} in ${who}'s inbox`, async () =>
    (await inbox(who)).find((x) => x.hubDocumentId === hubDocumentId),
  );

async function send(from: string, to: string[], attachmentBytes?: number) {
  const { xml, documentId } = letterXml(from, to, attachmentBytes ? { attachmentBytes } : {});
  const bytes = sign(A(from), xml);
  const r = await api(hub, A(from), "POST", "/documents", bytes);
  expect(r.status).toBe(202);
  return { bytes, documentId, id: (r.json() as { hubDocumentId: string }).hubDocumentId };
}

async function fetchBytes(who: string, deliveryId: string) {
  return api(hub, A(who), "GET", `/inbox/${deliveryId}/edxml`);
}

async function ack(who: string, deliveryId: string): Promise<void> {
  const r = await api(
    hub,
    A(who),
    "POST",
    `/inbox/${deliveryId}/ack`,
    JSON.stringify({ result: "done" }),
    "application/json",
  );
  expect(r.status).toBe(200);
}

let mongo: MongoClient;
const database = () => mongo.db(hub.dbName);

async function receipts(): Promise<Receipt[]> {
  return (await database()
    .collection("receipts")
    .find({})
    .sort({ seq: 1 })
    .toArray()) as unknown as Receipt[];
}

beforeAll(async () => {
  mongo = await MongoClient.connect(mongoUrl);
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub.stop();
  await mongo.db(`${hub.dbName}_live`).dropDatabase();
  await mongo.close();
});

describe("backup, restore and retention", () => {
  const sent = new Map<string, Buffer>();
  const before: Record<string, Item[]> = {};
  let file = "";
  let settledLetter = "";

  it("backs up a hub with traffic, restores it into the dropped database: chain and inboxes as before", async () => {
    // A letter to two recipients: one fetches and acknowledges, the other leaves it waiting.
    const l1 = await send(COMMUNE, [DISTRICT, DEPT]);
    // A letter of about 2 MB (its bytes stored in chunks), fetched and acknowledged.
    const l2 = await send(DISTRICT, [COMMUNE], 1_500_000);
    const l3 = await send(DEPT, [COMMUNE]);
    for (const l of [l1, l2, l3]) sent.set(l.id, l.bytes);
    settledLetter = l2.id;
    const d1 = await delivery(DISTRICT, l1.id);
    expect((await fetchBytes(DISTRICT, d1.deliveryId)).body.equals(l1.bytes)).toBe(true);
    await ack(DISTRICT, d1.deliveryId);
    const d2 = await delivery(COMMUNE, l2.id);
    expect((await fetchBytes(COMMUNE, d2.deliveryId)).body.equals(l2.bytes)).toBe(true);
    await ack(COMMUNE, d2.deliveryId);
    // Fetched, not acknowledged.
    const d3 = await delivery(COMMUNE, l3.id);
    expect((await fetchBytes(COMMUNE, d3.deliveryId)).status).toBe(200);
    // A status about l1, delivered to its sender.
    const status = statusPacket(A(DISTRICT), COMMUNE, l1.documentId, "03");
    const s = await api(hub, A(DISTRICT), "POST", "/statuses", status);
    expect(s.status).toBe(202);
    const statusId = (s.json() as { hubDocumentId: string }).hubDocumentId;
    sent.set(statusId, status);
    await delivery(COMMUNE, statusId);
    await delivery(DEPT, l1.id);

    // Quiet: the last receipt is covered by a signed chain head (EDOC_CHAIN_HEAD_MS=1000).
    await waitFor("a signed head at the end of the chain", async () => {
      const last = (await receipts()).at(-1);
      const head = await database().collection("chainHeads").findOne({ seq: last?.seq });
      return head ?? undefined;
    });
    for (const who of AGENCIES) before[who] = await inbox(who);
    expect(Object.values(before).flat()).toHaveLength(5);

    file = join(hub.dir, "hub.backup.tar");
    const b = await edoc("backup", "-o", file, ...db);
    expect(b.stderr).toBe("");
    expect(b.code).toBe(0);
    expect(b.stdout).toContain("(signed chain head");
    const twice = await edoc("backup", "-o", file, ...db);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("EEXIST");
    // A plain tar: the system's tar lists it, manifest first.
    const listed = await run("tar", ["tf", file]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toBe("manifest.json");
    expect(listed.stdout).toContain("collections/blobChunks.jsonl");

    // Restoring over a database that holds data is refused without --force.
    const busy = await edoc("restore", file, ...db);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("BACKUP_TARGET_NOT_EMPTY");

    // The hub is stopped and its database wiped.
    for (const s of SERVICES) await hub.stopService(s);
    const headBefore = (await receipts()).at(-1) as Receipt;
    await database().dropDatabase();

    const r = await edoc("restore", file, ...db, "--hub-cert", join(hub.dir, "receipt.cert.pem"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `chain verified: ${headBefore.seq} receipts up to seq ${headBefore.seq}; signed head verified with the given certificate`,
    );

    for (const s of SERVICES) hub.startService(s);
    await hub.waitHealthy();
    for (const who of AGENCIES) expect(await inbox(who)).toEqual(before[who]);
    // The agency directory came back with the chain (its seed version), not seeded again.
    const versions = await database().collection("directoryVersions").find({}).toArray();
    expect(versions.map((v) => [v._id, v.op])).toEqual([[1, "seed"]]);
    // Every delivery answers the same bytes it was given, byte for byte (the waiting one too).
    for (const who of AGENCIES) {
      for (const item of before[who] ?? []) {
        const got = await fetchBytes(who, item.deliveryId);
        expect(got.status).toBe(200);
        expect(got.body.equals(sent.get(item.hubDocumentId) as Buffer)).toBe(true);
      }
    }
    // The restored chain goes on where it stopped, and verifies across the restore.
    const chain = await receipts();
    expect(chain.length).toBeGreaterThan(headBefore.seq);
    expect(chain[headBefore.seq - 1]?.hash).toBe(headBefore.hash);
    expect(verifyChain(chain).ok).toBe(true);
  }, 180_000);

  it("refuses a damaged or truncated backup before writing anything", async () => {
    const damaged = join(hub.dir, "damaged.tar");
    copyFileSync(file, damaged);
    const bytes = readFileSync(damaged);
    const blobs = (await listTar(damaged)).find((e) => e.name === "collections/blobChunks.jsonl");
    expect(blobs?.size).toBeGreaterThan(0);
    const at = (blobs?.offset ?? 0) + Math.floor((blobs?.size ?? 0) / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    writeFileSync(damaged, bytes);
    const empty = `${hub.dbName}_empty`;
    const r = await edoc("restore", damaged, "--mongo", mongoUrl, "--db", empty);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("BACKUP_DAMAGED");
    expect(r.stderr).toContain("collections/blobChunks.jsonl");
    expect(await mongo.db(empty).listCollections().toArray()).toEqual([]);

    const truncated = join(hub.dir, "truncated.tar");
    writeFileSync(truncated, readFileSync(file).subarray(0, 5000));
    const t = await edoc("restore", truncated, "--mongo", mongoUrl, "--db", empty);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("BACKUP_DAMAGED");
    expect(await mongo.db(empty).listCollections().toArray()).toEqual([]);
  }, 60_000);

  it("purges the bytes of settled letters past the retention period; the chain still verifies", async () => {
    // The first letter still has an open delivery (fetched, not acknowledged, by DEPT after the
    // restore), the third too (COMMUNE); only the second is settled everywhere.
    const dry = await edoc("retention", "apply", "--dry-run", "--json", ...bus);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as {
      letters: { hubDocumentId: string; receiptId?: string }[];
      kept: number;
    };
    expect(plan.letters.map((l) => l.hubDocumentId)).toEqual([settledLetter]);
    expect(plan.kept).toBe(2);
    const bytes = sent.get(settledLetter) as Buffer;
    const d = (before[COMMUNE] ?? []).find((x) => x.hubDocumentId === settledLetter) as Item;
    expect((await fetchBytes(COMMUNE, d.deliveryId)).status).toBe(200); // a dry run removes nothing

    const applied = await edoc("retention", "apply", ...bus);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`purged 1 (${bytes.length} bytes)`);

    const gone = await fetchBytes(COMMUNE, d.deliveryId);
    expect(gone.status).toBe(410);
    expect((gone.json() as { code: string }).code).toBe("DOCUMENT_PURGED");
    const rows = (name: string) => database().collection<{ _id: string }>(name);
    const chunks = [`${settledLetter}:0`, `${settledLetter}:1`];
    expect(await rows("blobChunks").countDocuments({ _id: { $in: chunks } })).toBe(0);
    expect(await rows("blobs").findOne({ _id: settledLetter })).toBeNull();

    // Attested: a `purged` receipt holds the digest of what was removed; the chain verifies.
    const chain = await receipts();
    expect(verifyChain(chain).ok).toBe(true);
    const purged = chain.filter((r) => r.type === "purged");
    expect(purged.map((r) => [r.hubDocumentId, r.digest])).toEqual([
      [settledLetter, createHash("sha256").update(bytes).digest("hex")],
    ]);
    // Nothing more to do.
    const again = await edoc("retention", "apply", "--json", ...bus);
    expect((JSON.parse(again.stdout) as { letters: unknown[] }).letters).toEqual([]);
  }, 60_000);

  it("a backup taken while letters flow restores a state the chain proves, row for row", async () => {
    // Letters sent, fetched and acknowledged while the backup reads: rows run ahead of the cut.
    const traffic = (async () => {
      for (let i = 0; i < 6; i++) {
        const l = await send(COMMUNE, [DISTRICT]);
        const d = await delivery(DISTRICT, l.id);
        if (i % 2 === 0) await fetchBytes(DISTRICT, d.deliveryId);
        if (i % 4 === 0) await ack(DISTRICT, d.deliveryId);
      }
    })();
    const live = join(hub.dir, "live.tar");
    await new Promise((r) => setTimeout(r, 300));
    const b = await edoc("backup", "-o", live, ...db);
    await traffic;
    expect(b.code).toBe(0);
    const copy = `${hub.dbName}_live`;
    const r = await edoc("restore", live, "--mongo", mongoUrl, "--db", copy);
    expect(r.code).toBe(0);

    const rows = (name: string) =>
      mongo.db(copy).collection<Record<string, unknown>>(name).find({}).toArray();
    const keys = new Set((await rows("receipts")).map((x) => String(x._id)));
    const packets = await rows("packets");
    const deliveries = [...(await rows("deliveries")), ...(await rows("settledDeliveries"))];
    const routes = new Set((await rows("pendingRoutes")).map((x) => String(x._id)));
    const ids = new Set(deliveries.map((d) => String(d._id)));
    for (const p of packets) {
      expect(keys.has(`accepted:${p._id}`)).toBe(true);
      if (p.routeState === "pending") expect(routes.has(String(p._id))).toBe(true);
      for (const ref of (p.deliveries ?? []) as { deliveryId: string }[]) {
        expect(ids.has(ref.deliveryId)).toBe(true);
      }
    }
    const attests: Record<string, string | undefined> = {
      available: "available",
      fetched: "fetched",
      acknowledged: "acknowledged",
      failed: "acknowledged",
      withdrawn: "withdrawn",
    };
    for (const d of deliveries) {
      expect(keys.has(`available:${d._id}`)).toBe(true);
      expect(keys.has(`${attests[String(d.state)]}:${d._id}`)).toBe(true);
    }
  }, 120_000);
});
