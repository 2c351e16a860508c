import type {
  DeliveryState,
  DocType,
  HopTrace,
  PdfCheck,
  ReturnedRecipient,
  StatusInfo,
} from "@edoc/messages";
import type { Receipt } from "@edoc/receipts";
import type { Collection, Db } from "mongodb";
import type { ConsoleSessionDoc, LoginFailuresDoc } from "./console-state.js";
import { Deliveries } from "./deliveries.js";
import type { DirectoryVersionDoc } from "./directory-store.js";
import type { MaintenanceDoc } from "./maintenance.js";
import type { RateBucketDoc } from "./ratelimit.js";
import { type CachedCollection, cachedById } from "./row-cache.js";

/**
 * pending: waiting for the router's plan (the reconciler re-publishes); planned: the plan is
 * stored; dead-lettered: its RouteRequest reached the dead queue (operators re-drive it).
 */
export type RouteState = "pending" | "planned" | "dead-lettered";

/** A return as the packet row lists it: the router's, or (`hub`) a peer hub's refusal. */
export interface PacketReturn extends ReturnedRecipient {
  /** federation: the peer hub whose link had the delivery and that refused it */
  hub?: string;
}

/** A delivery as its packet row lists it (the plan's deliveries). */
export interface DeliveryRef {
  deliveryId: string;
  recipient: string;
  addressedTo: string;
}

/** A complete status as the row of the letter it answers lists it (`answers`). */
export interface AnswerRef {
  hubDocumentId: string;
  /** the reporter */
  from: string;
  /** normalized status code */
  code: string;
  receivedAt: string;
  createdAt: Date;
  reporterDeliveryId?: string;
  appliesTo?: string[];
}

/**
 * One accepted packet (letter or status). `_id` is the hubDocumentId; `key` is the dedupe key
 * (keys.ts), whose `packetKeys` row points here.
 */
export interface PacketDoc {
  _id: string;
  key: string;
  hubDocumentId: string;
  kind: "letter" | "status";
  docType: DocType;
  from: string;
  submittedBy: string;
  documentId: string;
  to: string[];
  subject?: string;
  code?: string;
  promulgationDate?: string;
  priority?: number;
  relatedDocumentId?: string;
  /** statuses: the business status, code normalized to two digits */
  status?: StatusInfo;
  digest: string;
  size: number;
  /** as the gateway stamped it (and wrote it into receiptXml) */
  receivedAt: string;
  signer: {
    subject: string;
    serialNumber: string;
    organIds: string[];
    fingerprintSha256: string;
    algorithm?: string;
    /** soft-fail revocation and the like: accepted, with this recorded */
    warnings?: { code: string; message: string }[];
  };
  /** Letters: the PDF attachments' signature reports from the gateway (@edoc/pades). */
  pdfCheck?: PdfCheck;
  /** Federation: the peer hub it came from (AcceptRequest.fromHub) and the hops before this hub. */
  fromHub?: string;
  trace?: HopTrace;
  routeState: RouteState;
  plannedAt?: string;
  /** when the row was written */
  createdAt: Date;
  /** status/revoke/update/replace: hubDocumentId of the letter it refers to, when known */
  refersTo?: string;
  /** addressed organs of the original letter's deliveries (RouteRequest.originalRecipients) */
  originalRecipients?: string[];
  /** statuses: the original letter's sender */
  originalSender?: string;
  /** statuses from a recipient: that recipient's delivery of the original letter */
  reporterDeliveryId?: string;
  /**
   * A take-back request (13): the deliveries it is new for (not already pending or agreed
   * there). Absent = every delivery of the letter.
   */
  appliesTo?: string[];
  /**
   * Set once the bytes are stored and the `accepted` receipt is in the chain: the packet is
   * complete. Rows in `packets` always have it; the row a work-list entry carries does not.
   */
  receiptId?: string;
  acceptedAt?: string;
  /**
   * recipients returned to the sender (trả lại): by the router (the plan), or by a peer hub
   * that refused its delivery for good (`hub` set; returns.ts)
   */
  returned?: PacketReturn[];
  /** the deliveries of every plan stored for this packet */
  deliveries?: DeliveryRef[];
  /** letters: the statuses accepted about it (attested ones), in acceptance order */
  answers?: AnswerRef[];
  /** letters: its bytes were removed after the retention period (retention.ts), attested by */
  purgedAt?: string;
  purgeReceiptId?: string;
}

/**
 * The signed acceptance receipt given to the sender (`_id` = hubDocumentId), kept apart from the
 * packet row: it is most of the row's bytes and read only for duplicates and evidence, while
 * the row is read and updated on every hot path (and FerretDB's updates scan whole tables).
 */
export interface AcceptanceReceiptDoc {
  _id: string;
  /** the packet's dedupe key: a retry of the same packet may replace it, nothing else */
  key: string;
  xml: string;
}

/** `_id` = dedupe key → the packet it names. Inserted before the packet row. */
export interface PacketKeyDoc {
  _id: string;
  hubDocumentId: string;
}

/** The reconciler's work list: one row per packet still waiting for its plan. */
export interface PendingRouteDoc {
  /** hubDocumentId */
  _id: string;
  /** the packet's dedupe key: the lock shared with its accept */
  key: string;
  nextPublishAt: Date;
  /** re-publications by the reconciler (the wait doubles after each) */
  publishCount: number;
  /**
   * The packet row, until it is complete and written to `packets` (accept.ts): what a retry or
   * the reconciler finishes or discards.
   */
  row?: PacketDoc;
}

/** A revoke, update or replace letter, listed under its sender and DocumentId (`changes`). */
export interface ChangeRef {
  hubDocumentId: string;
  docType: DocType;
  createdAt: Date;
}

/** `_id` = `from|documentId`: the change letters (revoke/update/replace) with that DocumentId. */
export interface ChangeDoc {
  _id: string;
  letters: ChangeRef[];
}

/** The exact bytes of a packet: inline up to 8 MiB, else in `chunks` blobChunks rows. */
export interface BlobDoc {
  /** hubDocumentId */
  _id: string;
  size: number;
  digest: string;
  data?: Buffer;
  chunks?: number;
  /**
   * Set when the chunks were uploaded by the gateway (`blobs.putChunk`): each is at most this
   * many bytes, so a recipient can be served one chunk per RPC.
   */
  chunkBytes?: number;
}

/**
 * An upload in progress (`blobs.putChunk` from chunk 0 on): the reconciler removes the chunks
 * of one that no accept claimed long after it started (the gateway died mid-upload).
 */
export interface BlobUploadDoc {
  /** hubDocumentId */
  _id: string;
  startedAt: Date;
}

/** `_id` = `<hubDocumentId>:<index>` */
export interface BlobChunkDoc {
  _id: string;
  data: Buffer;
}

export interface DeliveryDoc {
  _id: string;
  hubDocumentId: string;
  recipient: string;
  addressedTo: string;
  via: string[];
  kind: "letter" | "status";
  docType: DocType;
  from: string;
  documentId: string;
  subject?: string;
  statusCode?: string;
  priority?: number;
  state: DeliveryState;
  availableAt: string;
  fetchedAt?: string;
  acknowledgedAt?: string;
  ackResult?: "done" | "fail";
  ackReason?: string;
  /**
   * Federation: the peer hub whose link takes it (PlannedDelivery.hub). Only that link sees it
   * (`hubs` on the inbox RPCs); its ack is a forward (`forwarded`) or a return (`returned`).
   */
  hub?: string;
  /** the far side's id for it, from the forwarding link's ack */
  remoteReceipt?: string;
  withdrawnAt?: string;
  /** hubDocumentId of the revoke that withdrew it */
  withdrawnBy?: string;
  /**
   * The packet's digest (its bytes never change), so a fetch of an open delivery checks the
   * bytes without reading the packet row; absent on rows stored before it was added.
   */
  digest?: string;
}

/** A receipt as stored: `_id` = the key of the event it attests (keys.ts); `seq` is unique. */
export type ReceiptDoc = Receipt & { _id: string };

/**
 * `chainTip`: one row (`_id` "tip"), a recent receipt position, raised after stored batches
 * while several writers append; where one that lost a seq race learns the head (ledger.ts).
 * Derived from `receipts` (rebuilt at start), so backups leave it out.
 */
export interface ChainTipDoc {
  _id: string;
  seq: number;
  hash: string;
}

/**
 * `deliveryMoves`: `<deliveryId>:available`, the one move out of `available` that won (fetched
 * or withdrawn), as its patch (deliveries.ts). Insert-only; transient claims, not backed up.
 */
export interface DeliveryMoveDoc {
  _id: string;
  patch: Partial<DeliveryDoc>;
}

/**
 * `locks`: lease locks (lock.ts), `_id` = the lock's key: the owner (instance and turn) and
 * when the lease runs out (epoch ms); an expired one may be taken over. Transient: not backed up.
 */
export interface LockDoc {
  _id: string;
  owner: string;
  expiresAt: number;
}

export interface ChainHeadDoc {
  _id: number;
  seq: number;
  hash: string;
  at: string;
  algorithm: string;
  signature: string;
  certificatePem?: string;
  /** base64 DER RFC 3161 token over timestampedHeadBytes (timestamps.ts). */
  timestampToken?: string;
  /** Set while a configured TSA has not answered for this head yet; retried (timestamps.ts). */
  timestampPending?: true;
}

export interface DeadLetterDoc {
  _id: string;
  messageId: string;
  originQueue: string;
  reason: string;
  error?: string;
  /** the message body, base64 */
  body: string;
  correlationId?: string;
  deadAt?: string;
  at: string;
  receiptId?: string;
}

/** An agency system of the VDXP listener (systems.ts); its mailboxes are `mailboxes` rows. */
export interface SystemDoc {
  /** systemId */
  _id: string;
  name?: string;
  sealedSecret: string;
  enabled: boolean;
  requireMtls: boolean;
  /** a downstream hub (federation); absent = an agency system */
  peerHub?: boolean;
  createdAt: string;
  updatedAt: string;
  secretRotatedAt: string;
}

/** `_id` = OrganId → the one system holding its mailbox (the `_id` makes it one). */
export interface MailboxDoc {
  _id: string;
  systemId: string;
}

/** A registerAgency / deleteAgency request (systems.ts); `_id` = its id. */
export interface RegistrationDoc {
  _id: string;
  systemId: string;
  kind: "register" | "delete";
  code: string;
  name?: string;
  parentCode?: string;
  mail?: string;
  mobile?: string;
  fax?: string;
  requestedAt: string;
  state: "pending" | "approved" | "refused";
  decidedAt?: string;
  decidedBy?: string;
  reason?: string;
  applied?: boolean;
  appliedNote?: string;
}

export interface Collections {
  packets: CachedCollection<PacketDoc>;
  packetKeys: Collection<PacketKeyDoc>;
  acceptanceReceipts: Collection<AcceptanceReceiptDoc>;
  pendingRoutes: CachedCollection<PendingRouteDoc>;
  changes: Collection<ChangeDoc>;
  blobs: Collection<BlobDoc>;
  blobChunks: Collection<BlobChunkDoc>;
  blobUploads: Collection<BlobUploadDoc>;
  deliveries: Deliveries;
  receipts: Collection<ReceiptDoc>;
  chainHeads: Collection<ChainHeadDoc>;
  chainTip: Collection<ChainTipDoc>;
  locks: Collection<LockDoc>;
  deadLetters: Collection<DeadLetterDoc>;
  directoryVersions: Collection<DirectoryVersionDoc>;
  systems: Collection<SystemDoc>;
  mailboxes: Collection<MailboxDoc>;
  registrations: Collection<RegistrationDoc>;
  maintenance: Collection<MaintenanceDoc>;
  consoleSessions: Collection<ConsoleSessionDoc>;
  loginFailures: Collection<LoginFailuresDoc>;
  rateBuckets: Collection<RateBucketDoc>;
}

/** Optional fields left undefined are omitted, never stored as null. */
const OPTS = { ignoreUndefined: true } as const;
/** Bytes read back as Node Buffers. */
const BYTES = { ...OPTS, promoteBuffers: true } as const;

/**
 * The collections the archive reads by `_id` on its hot paths sit behind a write-through row
 * cache where their rows never change (row-cache.ts: it saves the finds of rows a neighbouring
 * step just wrote); single inserts, updates and deletes by `_id` into those and the accept's
 * work-list collections are group-committed.
 */
export function collections(db: Db): Collections {
  return {
    // Rows other instances update (plans, answers, purges): group-committed, never cached.
    packets: cachedById(db.collection<PacketDoc>("packets", OPTS), { maxRows: 0 }),
    packetKeys: cachedById(db.collection<PacketKeyDoc>("packetKeys", OPTS), { maxRows: 0 }),
    acceptanceReceipts: cachedById(
      db.collection<AcceptanceReceiptDoc>("acceptanceReceipts", OPTS),
      { maxRows: 0 },
    ),
    pendingRoutes: cachedById(db.collection<PendingRouteDoc>("pendingRoutes", OPTS), {
      maxRows: 0,
    }),
    changes: db.collection<ChangeDoc>("changes", OPTS),
    blobs: cachedById(db.collection<BlobDoc>("blobs", BYTES), {
      maxRows: 1_000,
      // Small letters only (≤ 32 KiB each, 32 MiB at most), never a large attachment's bytes.
      maxWeight: 32 * 1024,
      weight: (b) => b.data?.length ?? 0,
      copy: (b) => ({ ...b }), // the bytes themselves are never modified
    }),
    blobChunks: db.collection<BlobChunkDoc>("blobChunks", BYTES),
    blobUploads: db.collection<BlobUploadDoc>("blobUploads", OPTS),
    deliveries: new Deliveries(
      // Open rows move on any instance: not cached. A settled row never changes again.
      cachedById(db.collection<DeliveryDoc>("deliveries", OPTS), { maxRows: 0 }),
      cachedById(db.collection<DeliveryDoc>("settledDeliveries", OPTS), { maxRows: 10_000 }),
      cachedById(db.collection<DeliveryMoveDoc>("deliveryMoves", OPTS), { maxRows: 0 }),
    ),
    receipts: db.collection<ReceiptDoc>("receipts", OPTS),
    chainHeads: db.collection<ChainHeadDoc>("chainHeads", OPTS),
    chainTip: db.collection<ChainTipDoc>("chainTip", OPTS),
    // Claims are group-committed like the accept's other inserts.
    locks: cachedById(db.collection<LockDoc>("locks", OPTS), { maxRows: 0 }),
    deadLetters: db.collection<DeadLetterDoc>("deadLetters", OPTS),
    directoryVersions: db.collection<DirectoryVersionDoc>("directoryVersions", OPTS),
    // Read by every gateway within seconds of a change: never cached here.
    systems: db.collection<SystemDoc>("systems", OPTS),
    mailboxes: db.collection<MailboxDoc>("mailboxes", OPTS),
    registrations: db.collection<RegistrationDoc>("registrations", OPTS),
    maintenance: db.collection<MaintenanceDoc>("maintenance", OPTS),
    // Shared by every console and gateway instance: never cached here (console-state.ts).
    consoleSessions: db.collection<ConsoleSessionDoc>("consoleSessions", OPTS),
    loginFailures: db.collection<LoginFailuresDoc>("loginFailures", OPTS),
    rateBuckets: db.collection<RateBucketDoc>("rateBuckets", OPTS),
  };
}

/**
 * Creates every index; idempotent (same name and options each start). Hot paths use `_id`
 * only; these serve the chain's uniqueness and, on MongoDB, the query-path scans.
 */
export async function ensureIndexes(c: Collections): Promise<void> {
  await c.receipts.createIndex({ seq: 1 }, { unique: true, name: "seq" });
  // The earlier layout's unique `key` (now `_id`) would refuse every receipt after the first.
  if (await c.receipts.indexExists("key")) await c.receipts.dropIndex("key");
  await c.receipts.createIndex({ hubDocumentId: 1, seq: 1 }, { name: "hubDocumentId" });
  await c.packets.createIndex({ from: 1, documentId: 1, createdAt: -1 }, { name: "from_doc" });
  await c.packets.createIndex({ from: 1, createdAt: -1 }, { name: "from_created" });
  await c.pendingRoutes.createIndex({ nextPublishAt: 1 }, { name: "nextPublishAt" });
  await c.deliveries.createIndexes();
  await c.blobUploads.createIndex({ startedAt: 1 }, { name: "startedAt" });
  await c.chainHeads.createIndex({ timestampPending: 1 }, { name: "timestampPending" });
  // The minute sweep's (console-state.ts); plain indexes: FerretDB has no TTL indexes.
  for (const x of [c.consoleSessions, c.loginFailures, c.rateBuckets])
    await x.createIndex({ expiresAt: 1 }, { name: "expiresAt" });
}

/**
 * Refuses a database written with the earlier layout (packets keyed by dedupe key, receipts by
 * seq, GridFS bytes): replays there would not find their keys. It must be migrated first.
 */
export async function checkLayout(c: Collections): Promise<void> {
  const receipt = await c.receipts.findOne({});
  const packet = await c.packets.findOne({});
  if (
    (receipt && typeof (receipt as { _id: unknown })._id !== "string") ||
    (packet && typeof packet.key !== "string") ||
    (packet && "receiptXml" in packet)
  ) {
    throw new Error(
      "the archive database has an earlier layout (receipts keyed by seq, packets by dedupe key, or acceptance receipts inside packet rows); migrate it, or for a demo hub drop the database, before starting this version",
    );
  }
}
