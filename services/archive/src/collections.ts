import type { DeliveryState, DocType, ReturnedRecipient, StatusInfo } from "@edoc/messages";
import type { Receipt } from "@edoc/receipts";
import type { Collection, Db } from "mongodb";

/**
 * pending: waiting for the router's plan (the reconciler re-publishes); planned: the plan is
 * stored; dead-lettered: its RouteRequest reached the dead queue (operators re-drive it).
 */
export type RouteState = "pending" | "planned" | "dead-lettered";

/** One accepted packet (letter or status). `_id` is the dedupe key, see keys.ts. */
export interface PacketDoc {
  _id: string;
  hubDocumentId: string;
  kind: "letter" | "status";
  docType: DocType;
  from: string;
  submittedBy: string;
  documentId: string;
  to: string[];
  subject?: string;
  code?: string;
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
  };
  receiptXml: string;
  routeState: RouteState;
  plannedAt?: string;
  /** when the row was written */
  createdAt: Date;
  /** when the reconciler next looks at this packet while it is pending */
  nextPublishAt: Date;
  /** how often its RouteRequest was published (the reconciler backs off) */
  publishCount: number;
  publishedAt?: Date;
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
   * complete. A row without it is an accept in progress or one that crashed midway.
   */
  receiptId?: string;
  acceptedAt?: string;
  /** recipients the router returned (trả lại), from the plan */
  returned?: ReturnedRecipient[];
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
  withdrawnAt?: string;
  /** hubDocumentId of the revoke that withdrew it */
  withdrawnBy?: string;
}

/** A receipt as stored: `_id` = seq, `key` = what it attests (unique; replays are no-ops). */
export type ReceiptDoc = Receipt & { _id: number; key: string };

export interface ChainHeadDoc {
  _id: number;
  seq: number;
  hash: string;
  at: string;
  algorithm: string;
  signature: string;
  certificatePem?: string;
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

export interface Collections {
  packets: Collection<PacketDoc>;
  deliveries: Collection<DeliveryDoc>;
  receipts: Collection<ReceiptDoc>;
  chainHeads: Collection<ChainHeadDoc>;
  deadLetters: Collection<DeadLetterDoc>;
}

/** Optional fields left undefined are omitted, never stored as null. */
const OPTS = { ignoreUndefined: true } as const;

export function collections(db: Db): Collections {
  return {
    packets: db.collection<PacketDoc>("packets", OPTS),
    deliveries: db.collection<DeliveryDoc>("deliveries", OPTS),
    receipts: db.collection<ReceiptDoc>("receipts", OPTS),
    chainHeads: db.collection<ChainHeadDoc>("chainHeads", OPTS),
    deadLetters: db.collection<DeadLetterDoc>("deadLetters", OPTS),
  };
}

/** Creates every index; idempotent (same name and options each start). */
export async function ensureIndexes(c: Collections): Promise<void> {
  await c.packets.createIndex({ hubDocumentId: 1 }, { unique: true, name: "hubDocumentId" });
  await c.packets.createIndex({ from: 1, documentId: 1, createdAt: -1 }, { name: "from_doc" });
  await c.packets.createIndex({ refersTo: 1, from: 1 }, { name: "refersTo" });
  await c.packets.createIndex({ routeState: 1, nextPublishAt: 1 }, { name: "routeState" });
  await c.packets.createIndex({ from: 1, createdAt: -1 }, { name: "from_created" });
  await c.deliveries.createIndex({ hubDocumentId: 1 }, { name: "hubDocumentId" });
  await c.deliveries.createIndex({ recipient: 1, availableAt: -1 }, { name: "inbox" });
  await c.receipts.createIndex({ key: 1 }, { unique: true, name: "key" });
  await c.receipts.createIndex({ hubDocumentId: 1, seq: 1 }, { name: "hubDocumentId" });
}
