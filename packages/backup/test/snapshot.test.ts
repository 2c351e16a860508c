import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chainReceipt, type Receipt, type ReceiptBody, signChainHead } from "@edoc/receipts";
import { Binary, type Db, type Document, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupDatabase, restoreDatabase } from "../src/index.js";

// The snapshot's cut on a real FerretDB: a database in the archive's layout whose rows ran
// ahead of its latest signed chain head (as they do while a hub keeps working during a backup).
// What the restore holds must be exactly what the chain proves at that head.
const url = process.env.EDOC_MONGO_URL ?? "mongodb://127.0.0.1:27017/?directConnection=true";
const suffix = randomBytes(4).toString("hex");
const keys = generateKeyPairSync("ed25519");
const keyPem = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const publicPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
const AT = "2026-12-01T02:00:00.000Z";
const SENDER = "000.20.30.H45";
const RECIPIENT = "000.00.30.H45";

let client: MongoClient;
let dir: string;
const source = () => client.db(`t_backup_src_${suffix}`);
const target = () => client.db(`t_backup_dst_${suffix}`);

/** Chains the events after one another: [key, body] in order; returns the receipts. */
function chain(events: [string, Partial<ReceiptBody>][]): (Receipt & { _id: string })[] {
  let prev: Receipt | undefined;
  return events.map(([key, body]) => {
    prev = chainReceipt(prev, { at: AT, hubDocumentId: "x", type: "accepted", ...body });
    return { ...prev, _id: key };
  });
}

const packet = (id: string, extra: Document = {}) => ({
  _id: id,
  hubDocumentId: id,
  key: `${SENDER}|new|${id}`,
  kind: "letter",
  from: SENDER,
  documentId: `doc-${id}`,
  digest: "0".repeat(64),
  size: 3,
  routeState: "pending",
  ...extra,
});

const delivery = (id: string, hub: string, extra: Document = {}) => ({
  _id: id,
  hubDocumentId: hub,
  recipient: RECIPIENT,
  addressedTo: RECIPIENT,
  state: "available",
  availableAt: AT,
  ...extra,
});

/** Rows keyed by strings or numbers, as the archive keys them. */
type Row = Document & { _id: string | number };
const rows = (db: Db, name: string) => db.collection<Row>(name);

async function seed(db: Db): Promise<number> {
  const receipts = chain([
    ["accepted:P1", { type: "accepted", hubDocumentId: "P1" }],
    ["routed:D1", { type: "routed", hubDocumentId: "P1", deliveryId: "D1" }],
    ["available:D1", { type: "available", hubDocumentId: "P1", deliveryId: "D1" }],
    ["accepted:P3", { type: "accepted", hubDocumentId: "P3" }],
    // P4: a peer hub's delivery (federation), fetched by its link before the head…
    ["accepted:P4", { type: "accepted", hubDocumentId: "P4" }],
    ["routed:D4", { type: "routed", hubDocumentId: "P4", deliveryId: "D4" }],
    ["available:D4", { type: "available", hubDocumentId: "P4", deliveryId: "D4" }],
    ["fetched:D4", { type: "fetched", hubDocumentId: "P4", deliveryId: "D4" }],
    ["directory:1", { type: "directory-changed", hubDocumentId: "directory-v1" }],
    // ← the latest signed head; everything below happened after it
    ["fetched:D1", { type: "fetched", hubDocumentId: "P1", deliveryId: "D1" }],
    ["acknowledged:D1", { type: "acknowledged", hubDocumentId: "P1", deliveryId: "D1" }],
    ["routed:D3", { type: "routed", hubDocumentId: "P3", deliveryId: "D3" }],
    ["available:D3", { type: "available", hubDocumentId: "P3", deliveryId: "D3" }],
    ["accepted:P2", { type: "accepted", hubDocumentId: "P2" }],
    // …and refused there for good after it: a return the packet row lists already.
    [`returned:P4:${RECIPIENT}`, { type: "returned", hubDocumentId: "P4", deliveryId: "D4" }],
    ["directory:2", { type: "directory-changed", hubDocumentId: "directory-v2" }],
  ]);
  await rows(db, "receipts").insertMany(receipts as unknown as Row[]);
  const head = receipts[8] as Receipt;
  const signed = signChainHead({ seq: head.seq, hash: head.hash, at: AT }, keyPem);
  await rows(db, "chainHeads").insertOne({ _id: head.seq, ...signed } as unknown as Row);
  const ref = (d: string) => ({ deliveryId: d, recipient: RECIPIENT, addressedTo: RECIPIENT });
  await rows(db, "packets").insertMany([
    packet("P1", { routeState: "planned", plannedAt: AT, deliveries: [ref("D1")] }),
    packet("P3", { routeState: "planned", plannedAt: AT, deliveries: [ref("D3")], returned: [] }),
    packet("P2"),
    packet("P4", {
      routeState: "planned",
      plannedAt: AT,
      deliveries: [ref("D4")],
      returned: [{ addressedTo: RECIPIENT, reason: "RECIPIENT_UNKNOWN", message: "x", hub: "up" }],
    }),
  ] as Row[]);
  // P3's work-list entry was deleted when its plan was stored; P2's is still there.
  await rows(db, "pendingRoutes").insertOne({ _id: "P2", key: "k2", publishCount: 0 } as Row);
  for (const id of ["P1", "P2", "P3", "P4"]) {
    await rows(db, "packetKeys").insertOne({ _id: `key-${id}`, hubDocumentId: id } as Row);
    await rows(db, "acceptanceReceipts").insertOne({ _id: id, key: "k", xml: "<r/>" } as Row);
    const data = new Binary(Buffer.from([0, 255, 7]));
    await rows(db, "blobs").insertOne({
      _id: id,
      size: 3,
      digest: "0".repeat(64),
      data,
    } as Row);
  }
  await rows(db, "settledDeliveries").insertOne(
    delivery("D1", "P1", {
      state: "acknowledged",
      fetchedAt: AT,
      acknowledgedAt: AT,
      ackResult: "done",
    }),
  );
  await rows(db, "deliveries").insertOne(delivery("D3", "P3"));
  await rows(db, "settledDeliveries").insertOne(
    delivery("D4", "P4", {
      hub: "up",
      state: "failed",
      fetchedAt: AT,
      acknowledgedAt: AT,
      ackResult: "fail",
      ackReason: "RECIPIENT_UNKNOWN: x",
    }),
  );
  await rows(db, "agencies").insertOne({ _id: "000.00.02.H45", name: "Sở Nội vụ" } as Row);
  // The archive instances' coordination rows, past the cut: never copied.
  await rows(db, "chainTip").insertOne({ _id: "tip", seq: 999, hash: "ab" } as Row);
  await rows(db, "locks").insertOne({ _id: "k1", owner: "a:1", expiresAt: 0 } as Row);
  await rows(db, "deliveryMoves").insertOne({ _id: "D1:available", patch: {} } as Row);
  // Directory versions: the first attested in the cut, the second after it.
  await rows(db, "directoryVersions").insertMany([
    { _id: 1, op: "seed", actor: "hub" },
    { _id: 2, op: "add", actor: "lan" },
  ]);
  return head.seq;
}

beforeAll(async () => {
  client = await MongoClient.connect(url);
  dir = mkdtempSync(join(tmpdir(), "edoc-backup-test-"));
});
afterAll(async () => {
  await source().dropDatabase();
  await target().dropDatabase();
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = async (name: string) =>
  (await target().collection(name).find({}).sort({ _id: 1 }).toArray()).map((r) => r._id);

describe("the snapshot's cut", () => {
  it("restores what the chain proves at the latest signed head, nothing newer", async () => {
    const cut = await seed(source());
    const file = join(dir, "cut.tar");
    const manifest = await backupDatabase(source(), file);
    expect(manifest.cut).toMatchObject({ seq: cut, signed: true });

    const report = await restoreDatabase(target(), file, { hubCertPem: publicPem });
    expect(report.chain).toMatchObject({
      receipts: cut,
      head: { seq: cut },
      signature: { verified: true, certificate: "given" },
    });
    expect(await ids("chainHeads")).toEqual([cut]);
    // P2 was accepted after the cut: left out completely.
    for (const name of ["packets", "acceptanceReceipts", "blobs"]) {
      expect(await ids(name)).toEqual(["P1", "P3", "P4"]);
    }
    expect(await ids("packetKeys")).toEqual(["key-P1", "key-P3", "key-P4"]);
    // P3's plan came after the cut: pending again, with a work-list entry, without deliveries.
    const p3 = await rows(target(), "packets").findOne({ _id: "P3" });
    expect(p3?.routeState).toBe("pending");
    expect(p3?.deliveries).toBeUndefined();
    expect(p3?.plannedAt).toBeUndefined();
    expect(await ids("pendingRoutes")).toEqual(["P3"]);
    // D1 was fetched and acknowledged after the cut: available again, in the open collection.
    expect(await ids("settledDeliveries")).toEqual([]);
    const d1 = await rows(target(), "deliveries").findOne({ _id: "D1" });
    expect(d1).toMatchObject({ _id: "D1", state: "available" });
    expect(d1?.fetchedAt).toBeUndefined();
    expect(d1?.ackResult).toBeUndefined();
    // P4's peer return came after the cut: its plan stands, the return is not listed, and
    // the delivery is back to fetched (its link forwards it again).
    const p4 = await rows(target(), "packets").findOne({ _id: "P4" });
    expect(p4).toMatchObject({ routeState: "planned", returned: [] });
    expect(await rows(target(), "deliveries").findOne({ _id: "D4" })).toMatchObject({
      state: "fetched",
      hub: "up",
    });
    // Bytes come back as the same BSON binary; other collections as they were.
    const blob = await rows(target(), "blobs").findOne({ _id: "P1" });
    expect(blob?.data).toBeInstanceOf(Binary);
    expect(Buffer.from((blob as Row).data.buffer)).toEqual(Buffer.from([0, 255, 7]));
    expect(await ids("agencies")).toEqual(["000.00.02.H45"]);
    expect(await ids("directoryVersions")).toEqual([1]);
    for (const name of ["chainTip", "locks", "deliveryMoves"]) expect(await ids(name)).toEqual([]);
    expect(manifest.notes.join("\n")).toMatch(/1 packet\(s\) accepted after the cut left out/);
    expect(manifest.notes.join("\n")).toMatch(/chainTip .* is not copied/);
  });

  it("refuses a signed head that the given certificate does not verify", async () => {
    const other = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" });
    const file = join(dir, "cut2.tar");
    await backupDatabase(source(), file);
    // An existing file is never overwritten.
    await expect(backupDatabase(source(), file)).rejects.toMatchObject({ code: "EEXIST" });
    const err = await restoreDatabase(target(), file, {
      force: true,
      hubCertPem: String(other),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BACKUP_CHAIN_INVALID" });
  });
});
