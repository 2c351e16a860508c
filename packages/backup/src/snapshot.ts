import { join } from "node:path";
import type { Db, Document } from "mongodb";
import { BackupError } from "./errors.js";
import type { BackupCut, BackupPart } from "./manifest.js";
import { PartWriter } from "./parts.js";

/**
 * The archive's collections as a snapshot sees them (services/archive/src/collections.ts and
 * docs/archive.md own the layout; a new archive collection must be added here). No
 * transactions exist, so the snapshot is defined by the receipt chain: it is the state the
 * chain proves at the cut, the latest signed chain head read before anything else.
 *
 * - receipts and chain heads up to the cut;
 * - a packet (and its key, acceptance receipt, bytes, work-list entry) iff its `accepted`
 *   receipt is in the cut; later ones are left out completely;
 * - a delivery iff its `available` receipt is; its state is put back to the last one the cut
 *   attests (`fetched`, `acknowledged`, `withdrawn` receipts), its row moved to the open or
 *   settled collection accordingly;
 * - a plan iff every delivery and returned recipient it lists is attested; otherwise the packet
 *   goes back to `pending` with a work-list entry, and the restored archive routes it again
 *   (deliveryIds are deterministic, every step is keyed);
 * - a status listed in a letter's `answers`, a change letter in `changes`, a purge, a version
 *   of the agency directory (`directoryVersions`), only if attested too.
 * Rows change while they are read (the hub keeps running); each is cut back to the chain as
 * it is read, so the order of reading does not matter, except where noted below.
 */
const ARCHIVE = new Set([
  "receipts",
  "chainHeads",
  "packets",
  "pendingRoutes",
  "packetKeys",
  "acceptanceReceipts",
  "changes",
  "blobs",
  "blobChunks",
  "blobUploads",
  "deliveries",
  "settledDeliveries",
  "deadLetters",
  "directoryVersions",
]);

/**
 * The archive instances' coordination rows (services/archive, docs/archive.md): never copied.
 * A chain tip ahead of the cut would name receipts the restored chain does not hold, and a
 * delivery's move claim would contradict the delivery as cut back to the chain.
 */
const TRANSIENT = new Map([
  ["chainTip", "a hint of the chain head, rebuilt at start"],
  ["locks", "lease locks of running archives"],
  ["deliveryMoves", "claims of delivery moves, made again"],
]);

type Row = Document & { _id: string };
const OPEN = new Set(["available", "fetched"]);

export interface Snapshot {
  cut?: BackupCut;
  /** each part with the temporary file holding it */
  parts: { part: BackupPart; file: string }[];
  notes: string[];
}

/** The cut: the latest signed chain head, or the last receipt of a hub that signs none. */
async function findCut(db: Db): Promise<BackupCut | undefined> {
  const head = await db.collection("chainHeads").find({}).sort({ _id: -1 }).limit(1).next();
  if (head) {
    const receipt = await db.collection("receipts").findOne({ seq: head.seq });
    if (receipt?.hash !== head.hash) {
      throw new BackupError(
        "BACKUP_INCONSISTENT",
        `the signed chain head seq ${head.seq} does not match the receipt stored under that seq`,
      );
    }
    return { seq: head.seq, hash: head.hash, signed: true, at: head.at };
  }
  const last = await db.collection("receipts").find({}).sort({ seq: -1 }).limit(1).next();
  return last ? { seq: last.seq, hash: last.hash, signed: false } : undefined;
}

class Copy {
  readonly parts: { part: BackupPart; file: string }[] = [];
  private files = 0;
  readonly notes: string[] = [];
  /** `_id`s of the receipts in the cut: the event keys (services/archive/src/keys.ts) */
  readonly keys = new Set<string>();
  constructor(
    readonly db: Db,
    readonly dir: string,
  ) {}

  has = (key: string) => this.keys.has(key);
  included = (hubDocumentId: unknown) => this.keys.has(`accepted:${String(hubDocumentId)}`);

  writer(collection: string): PartWriter {
    return new PartWriter(collection, join(this.dir, `${this.files++}-${collection}.jsonl`));
  }

  async done(w: PartWriter): Promise<void> {
    this.parts.push({ part: await w.close(), file: w.file });
  }

  /** Copies `collection`, keeping the rows `keep` returns (possibly changed). */
  async filter(collection: string, keep: (row: Row) => Row | undefined): Promise<number> {
    const w = this.writer(collection);
    let dropped = 0;
    for await (const row of this.db.collection<Row>(collection).find({})) {
      const out = keep(row);
      if (out) await w.write(out);
      else dropped++;
    }
    await this.done(w);
    return dropped;
  }
}

/** Writes the snapshot's parts into `dir`; returns them with the cut and the notes. */
export async function takeSnapshot(db: Db, dir: string): Promise<Snapshot> {
  const cut = await findCut(db);
  const copy = new Copy(db, dir);
  const seq = cut?.seq ?? 0;
  const receipts = copy.writer("receipts");
  for await (const r of db
    .collection<Row>("receipts")
    .find({ seq: { $lte: seq } })
    .sort({ seq: 1 })) {
    copy.keys.add(r._id);
    await receipts.write(r);
  }
  await copy.done(receipts);
  await copy.filter("chainHeads", (h) => (Number(h._id) <= seq ? h : undefined));
  const packets = await copyPackets(copy);
  await copy.filter("packetKeys", (k) => (copy.included(k.hubDocumentId) ? k : undefined));
  await copy.filter("acceptanceReceipts", (a) => (copy.included(a._id) ? a : undefined));
  await copy.filter("changes", (c) => {
    const letters = (c.letters as Row[]).filter((l) => copy.included(l.hubDocumentId));
    return letters.length > 0 ? { ...c, letters } : undefined;
  });
  await copyBytes(copy, packets.unpurged);
  await copyDeliveries(copy, packets.replanned);
  await copy.filter("deadLetters", (d) => d);
  // A directory version is the chain's once its `directory-changed` receipt is (keys.ts-style
  // key `directory:<version>`, services/archive/src/directory.ts).
  await copy.filter("directoryVersions", (v) => (copy.has(`directory:${v._id}`) ? v : undefined));
  copy.notes.push("blobUploads (uploads in progress) are not copied");
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  for (const name of names.sort()) {
    if (ARCHIVE.has(name) || name.startsWith("system.")) continue;
    if (TRANSIENT.has(name)) {
      copy.notes.push(`${name} (${TRANSIENT.get(name)}) is not copied`);
      continue;
    }
    await copy.filter(name, (row) => row);
    copy.notes.push(`${name} copied as it was read (not bound to the receipt chain)`);
  }
  return { ...(cut ? { cut } : {}), parts: copy.parts, notes: copy.notes };
}

/** A packet row cut back to the chain; `replan` when its plan is not (completely) attested. */
function cutPacket(copy: Copy, p: Row): { row: Row; replan: boolean } {
  const row: Row = { ...p };
  if (Array.isArray(row.answers)) {
    row.answers = (row.answers as Row[]).filter((a) => copy.included(a.hubDocumentId));
    if ((row.answers as Row[]).length === 0) delete row.answers;
  }
  if (row.purgedAt !== undefined && !copy.has(`purged:${row._id}`)) {
    delete row.purgedAt;
    delete row.purgeReceiptId;
  }
  if (row.routeState !== "planned") return { row, replan: false };
  const refs = (row.deliveries ?? []) as Row[];
  const isAttested = (r: Row) => copy.has(`returned:${row._id}:${r.addressedTo}`);
  // A peer hub's return (`hub`) is not the plan's: one after the cut is dropped (its delivery
  // goes back to fetched, cutDelivery) rather than making the whole plan unattested.
  if (Array.isArray(row.returned)) {
    row.returned = (row.returned as Row[]).filter((r) => r.hub === undefined || isAttested(r));
  }
  const returned = (row.returned ?? []) as Row[];
  const attested =
    refs.length + returned.length > 0 &&
    refs.every((d) => copy.has(`available:${d.deliveryId}`)) &&
    returned.every(isAttested);
  if (attested) return { row, replan: false };
  delete row.plannedAt;
  delete row.deliveries;
  delete row.returned;
  row.routeState = "pending";
  return { row, replan: true };
}

/**
 * Packets, then the work list: a packet accepted in the cut is in one or the other (the row is
 * written right after its `accepted` receipt, the entry deleted only after the plan). One that
 * neither scan saw (written between them) is read again by `_id`.
 */
async function copyPackets(copy: Copy) {
  const replanned = new Set<string>();
  const unpurged: string[] = [];
  const keyOf = new Map<string, string>();
  const w = copy.writer("packets");
  const take = async (p: Row) => {
    const { row, replan } = cutPacket(copy, p);
    if (replan) replanned.add(row._id);
    if (row.routeState === "pending") keyOf.set(row._id, String(row.key));
    if (row.purgedAt === undefined) unpurged.push(row._id);
    await w.write(row);
  };
  const seen = new Set<string>();
  let later = 0;
  for await (const p of copy.db.collection<Row>("packets").find({})) {
    if (!copy.included(p._id)) later++;
    else {
      seen.add(p._id);
      await take(p);
    }
  }
  const routes = (await copy.db.collection<Row>("pendingRoutes").find({}).toArray()).filter((r) =>
    copy.included(r._id),
  );
  for (const r of routes) seen.add(r._id);
  const unseen = [...copy.keys]
    .filter((k) => k.startsWith("accepted:"))
    .map((k) => k.slice("accepted:".length))
    .filter((id) => !seen.has(id));
  if (unseen.length > 0) {
    for await (const p of copy.db.collection<Row>("packets").find({ _id: { $in: unseen } })) {
      seen.add(p._id);
      await take(p);
    }
  }
  await copy.done(w);
  const routed = copy.writer("pendingRoutes");
  for (const r of routes) {
    keyOf.delete(r._id);
    await routed.write(r);
  }
  // A pending packet whose entry was deleted between the scans (its plan stored after the cut).
  for (const [id, key] of keyOf) {
    await routed.write({ _id: id, key, nextPublishAt: new Date(), publishCount: 0 });
  }
  await copy.done(routed);
  if (later > 0) copy.notes.push(`${later} packet(s) accepted after the cut left out`);
  if (replanned.size > 0) {
    copy.notes.push(`${replanned.size} plan(s) stored after the cut undone: routed again`);
  }
  const lost = unseen.filter((id) => !seen.has(id)).length;
  if (lost > 0) copy.notes.push(`${lost} attested packet(s) without a row or work-list entry`);
  return { replanned, unpurged };
}

/** The bytes of the packets in the cut; those of a packet not purged at the cut must be there. */
async function copyBytes(copy: Copy, unpurged: readonly string[]): Promise<void> {
  const stored = new Set<string>();
  await copy.filter("blobs", (b) => {
    if (!copy.included(b._id)) return undefined;
    stored.add(b._id);
    return b;
  });
  const missing = unpurged.filter((id) => !stored.has(id));
  if (missing.length > 0) {
    throw new BackupError(
      "BACKUP_INCONSISTENT",
      `the bytes of ${missing.length} letter(s) (first ${missing[0]}) disappeared during the copy (a retention run?); run the backup again`,
    );
  }
  await copy.filter("blobChunks", (c) =>
    copy.included(c._id.slice(0, c._id.lastIndexOf(":"))) ? c : undefined,
  );
}

/** A delivery put back to the last state its receipts in the cut attest. */
function cutDelivery(copy: Copy, d: Row): Row {
  const id = d._id;
  if ((d.state === "acknowledged" || d.state === "failed") && copy.has(`acknowledged:${id}`)) {
    return d;
  }
  // A peer hub's delivery (federation) settles with `forwarded` or (refused there) `returned`.
  if (d.state === "acknowledged" && copy.has(`forwarded:${id}`)) return d;
  if (d.state === "failed" && typeof d.hub === "string" && typeof d.addressedTo === "string") {
    if (copy.has(`returned:${String(d.hubDocumentId)}:${d.addressedTo}`)) return d;
  }
  if (d.state === "withdrawn" && copy.has(`withdrawn:${id}`)) return d;
  const {
    acknowledgedAt: _a,
    ackResult: _r,
    ackReason: _w,
    remoteReceipt: _x,
    withdrawnAt: _t,
    withdrawnBy: _b,
    ...rest
  } = d;
  if (d.fetchedAt !== undefined && copy.has(`fetched:${id}`)) return { ...rest, state: "fetched" };
  const { fetchedAt: _f, ...available } = rest;
  return { ...available, state: "available" };
}

/**
 * Open deliveries first, then settled ones: settling inserts the settled row before it deletes
 * the open one, so a delivery settled during the copy is seen at least once (twice: settled wins).
 */
async function copyDeliveries(copy: Copy, replanned: ReadonlySet<string>): Promise<void> {
  const keep = (d: Row) =>
    copy.has(`available:${d._id}`) && !replanned.has(String(d.hubDocumentId));
  const open = new Map<string, Row>();
  for await (const d of copy.db.collection<Row>("deliveries").find({})) {
    if (keep(d)) open.set(d._id, d);
  }
  const openOut = copy.writer("deliveries");
  const settledOut = copy.writer("settledDeliveries");
  let changed = 0;
  const put = async (d: Row) => {
    const cut = cutDelivery(copy, d);
    if (cut.state !== d.state) changed++;
    await (OPEN.has(String(cut.state)) ? openOut : settledOut).write(cut);
  };
  for await (const d of copy.db.collection<Row>("settledDeliveries").find({})) {
    open.delete(d._id);
    if (keep(d)) await put(d);
  }
  for (const d of open.values()) await put(d);
  await copy.done(openOut);
  await copy.done(settledOut);
  if (changed > 0) copy.notes.push(`${changed} delivery state(s) put back to the cut`);
}
