import {
  type ChainPosition,
  GENESIS,
  type Receipt,
  type SignedChainHead,
  verifyChain,
  verifyChainHead,
} from "@edoc/receipts";
import type { Db, Document } from "mongodb";
import { BackupError } from "./errors.js";
import { BackupManifest, MANIFEST_NAME } from "./manifest.js";
import { digestRange, partName, type Range, readRange, readRows } from "./parts.js";
import { listTar } from "./tar.js";

export interface VerifiedBackup {
  manifest: BackupManifest;
  /** each part's place in the file, by part name */
  ranges: Map<string, Range>;
}

const damaged = (message: string) => new BackupError("BACKUP_DAMAGED", message);

/**
 * Reads the whole file once: the manifest must be the first entry and valid, and every part
 * must be there, nothing else, each with the manifest's size, row count and SHA-256.
 */
export async function verifyBackup(file: string): Promise<VerifiedBackup> {
  const entries = await listTar(file);
  const [first, ...rest] = entries;
  if (first?.name !== MANIFEST_NAME) throw damaged(`${file} does not start with ${MANIFEST_NAME}`);
  const text = (await readRange({ file, ...first })).toString("utf8");
  let manifest: BackupManifest;
  try {
    manifest = BackupManifest.parse(JSON.parse(text));
  } catch (err) {
    throw damaged(`${MANIFEST_NAME} is not an edoc-backup/1 manifest: ${(err as Error).message}`);
  }
  const ranges = new Map<string, Range>(rest.map((e) => [e.name, { file, ...e }]));
  if (ranges.size !== rest.length || rest.length !== manifest.parts.length) {
    throw damaged(
      `${file} holds ${rest.length} parts, its manifest lists ${manifest.parts.length}`,
    );
  }
  for (const part of manifest.parts) {
    const range = ranges.get(part.name);
    if (!range || part.name !== partName(part.collection)) {
      throw damaged(`part ${part.name} of the manifest is missing`);
    }
    if (range.size !== part.bytes) {
      throw damaged(`part ${part.name} has ${range.size} bytes, the manifest says ${part.bytes}`);
    }
    const { sha256, rows } = await digestRange(range);
    if (sha256 !== part.sha256 || rows !== part.rows) {
      throw damaged(
        `part ${part.name} is damaged: its SHA-256 or row count differs from the manifest`,
      );
    }
  }
  return { manifest, ranges };
}

export interface RestoreOptions {
  /** replace a database that holds collections already (it is dropped first) */
  force?: boolean;
  /** the hub certificate to check the signed chain head with (default: the one it embeds) */
  hubCertPem?: string;
}

export interface ChainCheck {
  receipts: number;
  head?: ChainPosition;
  /** the signed head at the cut: whether its signature verified, and with which certificate */
  signature?: { verified: boolean; certificate: "given" | "embedded" | "none" };
}

export interface RestoreReport {
  manifest: BackupManifest;
  rows: number;
  chain: ChainCheck;
}

/** Rows per insertMany, and bytes (of Extended JSON) per insertMany. */
const BATCH_ROWS = 500;
const BATCH_BYTES = 8 << 20;

/**
 * Verifies the backup, refuses a non-empty target unless `force` (then drops it), writes every
 * part, then verifies the restored chain: every link, its end at the manifest's cut, and the
 * signed head's signature. Stop the hub's services before: the archive keeps the chain head,
 * the row cache and the pending inboxes in memory.
 */
export async function restoreDatabase(
  db: Db,
  file: string,
  opts: RestoreOptions = {},
): Promise<RestoreReport> {
  const { manifest, ranges } = await verifyBackup(file);
  const existing = (await db.listCollections({}, { nameOnly: true }).toArray())
    .map((c) => c.name)
    .filter((n) => !n.startsWith("system."));
  if (existing.length > 0) {
    if (!opts.force) {
      throw new BackupError(
        "BACKUP_TARGET_NOT_EMPTY",
        `database ${db.databaseName} holds ${existing.length} collection(s) (${existing.slice(0, 5).join(", ")}); restore into an empty one, or pass --force to replace it`,
      );
    }
    await db.dropDatabase();
  }
  let rows = 0;
  for (const part of manifest.parts) {
    const range = ranges.get(part.name) as Range;
    const target = db.collection(part.collection);
    let batch: Document[] = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length > 0) await target.insertMany(batch, { ordered: true });
      rows += batch.length;
      batch = [];
      bytes = 0;
    };
    for await (const { row, size } of readRows(range)) {
      batch.push(row);
      bytes += size;
      if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) await flush();
    }
    await flush();
  }
  return { manifest, rows, chain: await checkChain(db, manifest, opts.hubCertPem) };
}

/** Receipts verified per call of verifyChain, each page continuing from the last. */
const PAGE = 5_000;

/** Verifies the receipt chain in `db` against the backup's cut. */
export async function checkChain(
  db: Db,
  manifest: BackupManifest,
  hubCertPem?: string,
): Promise<ChainCheck> {
  let from: ChainPosition = GENESIS;
  let count = 0;
  let page: Receipt[] = [];
  const verifyPage = () => {
    const v = verifyChain(page, { from });
    if (!v.ok) {
      const shown = v.problems.slice(0, 3).map((p) => p.message);
      throw new BackupError(
        "BACKUP_CHAIN_INVALID",
        `the restored chain breaks: ${shown.join("; ")}`,
      );
    }
    from = v.head;
    count += page.length;
    page = [];
  };
  for await (const r of db.collection("receipts").find({}).sort({ seq: 1 })) {
    page.push(r as unknown as Receipt);
    if (page.length >= PAGE) verifyPage();
  }
  verifyPage();
  const cut = manifest.cut;
  const head = count > 0 ? from : undefined;
  if ((cut?.seq ?? 0) !== (head?.seq ?? 0) || (cut && cut.hash !== head?.hash)) {
    throw new BackupError(
      "BACKUP_CHAIN_INVALID",
      `the restored chain ends at seq ${head?.seq ?? 0}, the backup was cut at seq ${cut?.seq ?? 0}`,
    );
  }
  if (!cut?.signed) return { receipts: count, ...(head ? { head } : {}) };
  const doc = await db
    .collection("chainHeads")
    .findOne({ _id: cut.seq as unknown as Document["_id"] });
  const { _id, ...signed } = (doc ?? {}) as Document;
  const headDoc = signed as SignedChainHead;
  const cert = hubCertPem ?? headDoc.certificatePem;
  const certificate = hubCertPem ? "given" : headDoc.certificatePem ? "embedded" : "none";
  const verified =
    doc !== null &&
    headDoc.hash === cut.hash &&
    cert !== undefined &&
    verifyChainHead(headDoc, cert);
  if (!verified && certificate !== "none") {
    throw new BackupError(
      "BACKUP_CHAIN_INVALID",
      `the signed chain head at seq ${cut.seq} does not verify with the ${certificate} certificate`,
    );
  }
  return { receipts: count, ...(head ? { head } : {}), signature: { verified, certificate } };
}
