/**
 * The contract between the hub's services: every message on the bus and every archive RPC,
 * as zod schemas. Services validate what they receive with these (once, at the edge) and get
 * typed values; nothing else is shared between services.
 */
import { z } from "zod";
import { ChainRpcParams, ChainRpcResults } from "./chain.js";
import { ConsoleStateRpcParams, ConsoleStateRpcResults } from "./console.js";
import { DirectoryRpcParams, DirectoryRpcResults } from "./directory.js";
import { HopTrace, HubId } from "./federation.js";
import { MaintenanceRpcParams, MaintenanceRpcResults } from "./maintenance.js";
import { PdfCheck } from "./pades.js";
import { isoTime, organId, sha256Hex } from "./primitives.js";
import { RateLimitRpcParams, RateLimitRpcResults } from "./ratelimit.js";
import { ReportsRpcParams, ReportsRpcResults } from "./reports.js";
import { RetentionRpcParams, RetentionRpcResults } from "./retention.js";
import { SystemsRpcParams, SystemsRpcResults } from "./systems.js";

export { PublishedChainHead } from "./chain.js";
export { ConsoleSession, type ConsoleStateRpcMethod } from "./console.js";
export * from "./directory.js";
export { HopTrace, HubId, TraceEntry } from "./federation.js";
export { MaintenanceState } from "./maintenance.js";
export { PdfCheck, PdfRecord, PdfSignatureRecord } from "./pades.js";
export {
  SIGNER_MAX_BATCH,
  SignerRpcParams,
  SignerRpcResults,
  type SignerSignParams,
} from "./signer.js";

export const DocType = z.enum(["new", "revoke", "update", "replace", "status"]);
export type DocType = z.infer<typeof DocType>;
export const PacketKind = z.enum(["letter", "status"]);

/** A business status carried by a status packet (gói tin trạng thái). */
export const StatusInfo = z.object({
  code: z.string().regex(/^\d{2}$/),
  responseForOrganId: organId,
  responseForDocumentId: z.string().min(1),
  description: z.string().optional(),
});
export type StatusInfo = z.infer<typeof StatusInfo>;

export const SignerInfo = z.object({
  subject: z.string(),
  serialNumber: z.string(),
  organIds: z.array(organId),
  fingerprintSha256: z.string(),
  algorithm: z.string().optional(),
  /** Accepted with a recorded doubt, e.g. REVOCATION_UNAVAILABLE under a soft-fail CA. */
  warnings: z.array(z.object({ code: z.string(), message: z.string() })).optional(),
});

/**
 * Bytes per uploaded or fetched chunk of a large packet. Chunks travel as the raw body of their
 * RPC message (@edoc/bus RpcBytes), not in its JSON.
 */
export const BLOB_CHUNK = 1024 * 1024;
const MAX_CHUNKS = 1024;
/** A hubDocumentId as a chunk key prefix (`<id>:<index>`): no separator inside. */
const blobId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

/**
 * RPC `blobs.putChunk`: one slice (1 … BLOB_CHUNK bytes, the message body) of a large
 * packet's bytes, uploaded before its accept.
 */
export const PutChunkParams = z.object({
  hubDocumentId: blobId,
  index: z
    .number()
    .int()
    .min(0)
    .max(MAX_CHUNKS - 1),
});
export type PutChunkParams = z.infer<typeof PutChunkParams>;

/** What the gateway hands the archive for one verified packet (RPC `packets.accept`). */
export const AcceptRequest = z
  .object({
    hubDocumentId: z.string().min(1),
    kind: PacketKind,
    docType: DocType,
    from: organId,
    /** The authenticated system that submitted it (may act for `from`). */
    submittedBy: organId,
    documentId: z.string().min(1),
    /** Letters: recipients as addressed; statuses: empty (the archive knows the counterpart). */
    to: z.array(organId),
    subject: z.string().optional(),
    code: z.string().optional(),
    /** Letters: PromulgationDate (ngày ban hành), as the letter gives it; a status answering it repeats it. */
    promulgationDate: z.string().optional(),
    priority: z.number().int().min(0).max(4).optional(),
    relatedDocumentId: z.string().optional(),
    status: StatusInfo.optional(),
    digest: sha256Hex,
    size: z.number().int().nonnegative(),
    receivedAt: isoTime,
    signer: SignerInfo,
    /** Letters: the PDF attachments' signatures as the gateway verified them (@edoc/pades). */
    pdfCheck: PdfCheck.optional(),
    /** The hub-signed acceptance receipt (XML-DSig) returned to the sender, now and on replays. */
    receiptXml: z.string().min(1),
    /** The exact bytes received, base64 (small packets). */
    edxml: z.string().min(1).optional(),
    /**
     * Large packets: the bytes were uploaded before, by `blobs.putChunk` 0 … chunks-1; the
     * archive checks their size and digest when it accepts them.
     */
    chunks: z.number().int().min(1).max(MAX_CHUNKS).optional(),
    /**
     * Federation: the peer hub it came from (`upstream` when pulled from the upstream; a
     * downstream hub's systemid when its link sent it). Absent: an agency system sent it here.
     */
    fromHub: HubId.optional(),
    /** Federation: the hops before this hub, as the previous hub reported them. */
    trace: HopTrace.optional(),
  })
  .refine((r) => (r.edxml === undefined) !== (r.chunks === undefined), {
    message: "exactly one of edxml and chunks",
  });
export type AcceptRequest = z.infer<typeof AcceptRequest>;

export const AcceptResult = z.object({
  outcome: z.enum(["accepted", "duplicate"]),
  hubDocumentId: z.string(),
  receivedAt: isoTime,
  receiptXml: z.string(),
});
export type AcceptResult = z.infer<typeof AcceptResult>;

/** archive → router (queue `router.inbound`): one accepted packet to route. */
export const RouteRequest = z.object({
  hubDocumentId: z.string(),
  kind: PacketKind,
  docType: DocType,
  from: organId,
  documentId: z.string(),
  to: z.array(organId),
  relatedDocumentId: z.string().optional(),
  status: StatusInfo.optional(),
  /** Who received the letter a status, revoke, update or replace refers to. */
  originalRecipients: z.array(organId).optional(),
  /** The original letter's sender, for statuses answering it. */
  originalSender: organId.optional(),
  acceptedAt: isoTime,
  /** AcceptRequest.fromHub: the router never routes a packet back to the hub it came from. */
  fromHub: HubId.optional(),
});
export type RouteRequest = z.infer<typeof RouteRequest>;

export const PlannedDelivery = z.object({
  deliveryId: z.string(),
  recipient: organId,
  addressedTo: organId,
  via: z.array(organId),
  /**
   * Federation: the peer hub whose link takes this delivery (`upstream`, or a downstream
   * hub's systemid); absent = the recipient's own system fetches it here.
   */
  hub: HubId.optional(),
});
export type PlannedDelivery = z.infer<typeof PlannedDelivery>;

export const ReturnedRecipient = z.object({
  addressedTo: organId,
  reason: z.string(),
  message: z.string(),
});
export type ReturnedRecipient = z.infer<typeof ReturnedRecipient>;

/** router → archive (queue `archive.plans`): where one packet goes. */
export const RoutingPlanMessage = z.object({
  hubDocumentId: z.string(),
  deliveries: z.array(PlannedDelivery),
  returned: z.array(ReturnedRecipient),
  /** A revoke: withdraw the recipients' not-yet-fetched deliveries of `relatedDocumentId`. */
  withdraw: z.boolean(),
  plannedAt: isoTime,
});
export type RoutingPlanMessage = z.infer<typeof RoutingPlanMessage>;

export const DeliveryState = z.enum([
  "available",
  "fetched",
  "acknowledged",
  "failed",
  "withdrawn",
]);
export type DeliveryState = z.infer<typeof DeliveryState>;

/** One item of an agency's inbox (hộp thư đến). */
export const InboxItem = z.object({
  deliveryId: z.string(),
  hubDocumentId: z.string(),
  kind: PacketKind,
  docType: DocType,
  from: organId,
  recipient: organId,
  documentId: z.string(),
  subject: z.string().optional(),
  statusCode: z.string().optional(),
  priority: z.number().optional(),
  state: DeliveryState,
  availableAt: isoTime,
  fetchedAt: isoTime.optional(),
  acknowledgedAt: isoTime.optional(),
  ackResult: z.enum(["done", "fail"]).optional(),
  /** PlannedDelivery.hub */
  hub: HubId.optional(),
});
export type InboxItem = z.infer<typeof InboxItem>;

export const TraceEvent = z.object({
  receiptId: z.string(),
  seq: z.number().int(),
  type: z.string(),
  at: isoTime,
  organId: organId.optional(),
  deliveryId: z.string().optional(),
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type TraceEvent = z.infer<typeof TraceEvent>;

/** A letter's trace: every recipient's timeline with receipt ids (GET /documents/{id}/trace). */
export const Trace = z.object({
  hubDocumentId: z.string(),
  documentId: z.string(),
  from: organId,
  docType: DocType,
  kind: PacketKind,
  events: z.array(TraceEvent),
  recipients: z.array(
    z.object({
      recipient: organId,
      addressedTo: organId,
      deliveryId: z.string().optional(),
      state: z.string(),
      statuses: z.array(z.object({ code: z.string(), at: isoTime })),
      events: z.array(TraceEvent),
      /** federation: the peer hub the delivery went to (its `forwarded` receipt is in events) */
      hub: HubId.optional(),
    }),
  ),
  /** Federation: the peer hub the packet came from, and the hops before this hub. */
  fromHub: HubId.optional(),
  hops: HopTrace.optional(),
  /** Letters: the PDF signature reports recorded at submit. */
  pdfCheck: PdfCheck.optional(),
});
export type Trace = z.infer<typeof Trace>;

/** The sender's view of one letter (GET /documents). */
export const SentDocument = z.object({
  hubDocumentId: z.string(),
  documentId: z.string(),
  docType: DocType,
  kind: PacketKind,
  /** the sending agency (one of the caller's) */
  from: organId.optional(),
  subject: z.string().optional(),
  /** số/ký hiệu, letters only */
  code: z.string().optional(),
  /** ngày ban hành, letters only: with `code`, what a status's ResponseFor repeats */
  promulgationDate: z.string().optional(),
  receivedAt: isoTime,
  recipients: z.array(
    z.object({
      recipient: organId,
      state: z.string(),
      lastStatus: z.string().optional(),
      /** the recipient's delivery (absent for a returned recipient) */
      deliveryId: z.string().optional(),
      fetchedAt: isoTime.optional(),
      /** federation: the peer hub this recipient's delivery went to */
      hub: HubId.optional(),
    }),
  ),
});
export type SentDocument = z.infer<typeof SentDocument>;

/**
 * RPC `evidence.export`: one letter's evidence bundle for auditors (@edoc/evidence). An
 * operator's method, like the console's: no `actingFor`, and the gateway never exposes it.
 * Exactly one of hubDocumentId and documentId; `from` narrows a DocumentId several senders used.
 */
export const EvidenceExportParams = z
  .object({
    hubDocumentId: z.string().min(1).max(1024).optional(),
    documentId: z.string().min(1).max(1024).optional(),
    from: organId.optional(),
  })
  .refine((p) => (p.hubDocumentId === undefined) !== (p.documentId === undefined), {
    message: "give exactly one of hubDocumentId and documentId",
  });
export type EvidenceExportParams = z.infer<typeof EvidenceExportParams>;

export const EvidenceExportResult = z.object({
  hubDocumentId: z.string(),
  documentId: z.string(),
  from: organId,
  /** the bundle (a ZIP), base64 */
  bundle: z.string().min(1),
  size: z.number().int().positive(),
  /** SHA-256 of the ZIP bytes, hex */
  sha256: sha256Hex,
  /** the signed chain head the receipt proof ends at */
  chainHead: z.object({ seq: z.number().int(), hash: z.string(), at: isoTime }),
  /** receipts in the proof, and status packets in the bundle */
  receipts: z.number().int().nonnegative(),
  statuses: z.number().int().nonnegative(),
  /** what the bundle lacks (no CA certificates or CRLs configured…) */
  warnings: z.array(z.string()),
});
export type EvidenceExportResult = z.infer<typeof EvidenceExportResult>;

/**
 * The operators' console (services/console). It authenticates its own users, so these methods
 * take no `actingFor`: they read every letter. Only `console.redrive` changes anything.
 */
export const ConsoleRecipient = z.object({
  recipient: organId,
  addressedTo: organId,
  deliveryId: z.string().optional(),
  /**
   * a delivery state, or `returned` (the router, or the peer hub its delivery went to,
   * returned this recipient to the sender)
   */
  state: z.string(),
  lastStatus: z.string().optional(),
  /** federation: the peer hub this recipient's delivery went to */
  hub: HubId.optional(),
});
export const ConsoleLetter = z.object({
  hubDocumentId: z.string(),
  documentId: z.string(),
  kind: PacketKind,
  docType: DocType,
  from: organId,
  to: z.array(organId),
  subject: z.string().optional(),
  code: z.string().optional(),
  priority: z.number().optional(),
  receivedAt: isoTime,
  /** pending | planned | dead-lettered */
  routeState: z.string(),
  recipients: z.array(ConsoleRecipient),
});
export type ConsoleLetter = z.infer<typeof ConsoleLetter>;

/** Search filters (`console.search`): letter-level states and the deliveries' states. */
export const ConsoleSearchState = z.enum([
  "pending",
  "dead-lettered",
  ...DeliveryState.options,
  "returned",
]);
export type ConsoleSearchState = z.infer<typeof ConsoleSearchState>;

export const StuckReason = z.enum([
  "not-fetched",
  "not-acknowledged",
  "urgent-overdue",
  "no-reception-status",
]);
export type StuckReason = z.infer<typeof StuckReason>;

/** A delivery as the inbox lists it, with whom it was addressed to and why it is stuck. */
export const StuckDelivery = InboxItem.pick({
  deliveryId: true,
  hubDocumentId: true,
  documentId: true,
  docType: true,
  subject: true,
  from: true,
  recipient: true,
  priority: true,
  state: true,
  availableAt: true,
  fetchedAt: true,
  /** status packets: the code they carry */
  statusCode: true,
}).extend({
  addressedTo: organId,
  lastStatus: z.string().optional(),
  reasons: z.array(StuckReason).min(1),
});
export type StuckDelivery = z.infer<typeof StuckDelivery>;

export const ConsoleDeadLetter = z.object({
  id: z.string(),
  messageId: z.string(),
  originQueue: z.string(),
  reason: z.string(),
  error: z.string().optional(),
  deadAt: z.string().optional(),
  at: isoTime,
  receiptId: z.string().optional(),
  /** the packet the message was about, when its body names one */
  hubDocumentId: z.string().optional(),
  /** the body as text (cut at 2000 characters) and its full size */
  body: z.string(),
  bodyBytes: z.number().int().nonnegative(),
  /** the origin is a work queue this hub can publish to again */
  redrivable: z.boolean(),
  redrivenAt: isoTime.optional(),
  redrivenBy: z.string().optional(),
  redriveReceiptId: z.string().optional(),
});
export type ConsoleDeadLetter = z.infer<typeof ConsoleDeadLetter>;

/** The console's archive RPC methods (part of `RpcParams` / `RpcResults`). */
export const ConsoleRpcParams = {
  "console.search": z.object({
    /** hubDocumentId, or part of a DocumentId (case-insensitive) */
    documentId: z.string().min(1).max(1024).optional(),
    /** part of số/ký hiệu (case-insensitive) */
    code: z.string().min(1).max(100).optional(),
    from: z.array(organId).max(10_000).optional(),
    /** addressed or final recipients */
    to: z.array(organId).max(10_000).optional(),
    /** accepted at or after / before (the hub's clock) */
    since: isoTime.optional(),
    until: isoTime.optional(),
    state: ConsoleSearchState.optional(),
    /** some recipient reported this business status */
    status: z
      .string()
      .regex(/^\d{2}$/)
      .optional(),
    limit: z.number().int().min(1).max(500).default(100),
  }),
  "console.trace": z.object({ id: z.string().min(1).max(1024) }),
  "console.stuck": z.object({
    /** only deliveries made available since then */
    since: isoTime,
    /** available before this and not fetched */
    notFetchedBefore: isoTime,
    /** fetched before this and not acknowledged */
    notAcknowledgedBefore: isoTime,
    /** letters of this priority or more, available before this and not acknowledged */
    urgent: z
      .array(z.object({ priority: z.number().int().min(1).max(4), availableBefore: isoTime }))
      .max(4),
    /** letters available before this whose recipient reported neither 01 nor 03 (nor later) */
    receptionDueBefore: isoTime,
    limit: z.number().int().min(1).max(1000).default(500),
  }),
  "console.deadLetters": z.object({
    state: z.enum(["open", "redriven", "all"]).default("open"),
    limit: z.number().int().min(1).max(1000).default(200),
  }),
  "console.redrive": z.object({
    deadLetterId: z.string().min(1).max(2100),
    /** the console user, written into the `redriven` receipt */
    by: z.string().min(1).max(100),
  }),
} as const;
export type ConsoleRpcMethod = keyof typeof ConsoleRpcParams;

export const ConsoleRpcResults = {
  "console.search": z.object({ letters: z.array(ConsoleLetter), truncated: z.boolean() }),
  "console.trace": z.object({ letter: ConsoleLetter, trace: Trace }),
  "console.stuck": z.object({ items: z.array(StuckDelivery), truncated: z.boolean() }),
  "console.deadLetters": z.object({ items: z.array(ConsoleDeadLetter), truncated: z.boolean() }),
  "console.redrive": z.object({
    outcome: z.enum(["redriven", "already-redriven"]),
    deadLetter: ConsoleDeadLetter,
    receiptId: z.string(),
  }),
} as const;

/**
 * Archive RPC methods (queue `archive.rpc`). `actingFor` is every OrganId the authenticated
 * system may act for: the archive scopes each query to it, so an agency never sees another's
 * deliveries whatever ids it guesses.
 */
export const RpcParams = {
  "packets.accept": AcceptRequest,
  "inbox.list": z.object({
    actingFor: z.array(organId),
    /** Federation: also the deliveries whose `hub` is one of these (a peer hub's link). */
    hubs: z.array(HubId).optional(),
    /** open: available or fetched, not settled (a link resuming after a restart) */
    state: z.enum(["pending", "fetched", "open", "all"]),
    /** Newest first; at most this many. */
    limit: z.number().int().min(1).max(1000).default(500),
    /** Oldest first instead (a peer hub's link forwards in acceptance order). */
    oldestFirst: z.boolean().optional(),
  }),
  "inbox.fetch": z.object({
    actingFor: z.array(organId),
    hubs: z.array(HubId).optional(),
    deliveryId: z.string(),
  }),
  /** A chunk of a fetched delivery's packet (after `inbox.fetch` said how many). */
  "inbox.fetchChunk": z.object({
    actingFor: z.array(organId),
    hubs: z.array(HubId).optional(),
    deliveryId: z.string(),
    index: z
      .number()
      .int()
      .min(0)
      .max(MAX_CHUNKS - 1),
  }),
  "blobs.putChunk": PutChunkParams,
  "inbox.ack": z.object({
    actingFor: z.array(organId),
    hubs: z.array(HubId).optional(),
    deliveryId: z.string(),
    result: z.enum(["done", "fail"]),
    reason: z.string().max(1000).optional(),
    /**
     * Federation: the link that took a hub delivery says where it went. `done` → a signed
     * `forwarded` receipt (instead of `acknowledged`) naming the peer hub and the far side's
     * document id; `fail` (refused for good there) → a `returned` receipt, the sender's return.
     */
    forward: z.object({ hub: HubId, remoteReceipt: z.string().max(1000).optional() }).optional(),
  }),
  "documents.list": z.object({
    actingFor: z.array(organId),
    limit: z.number().int().min(1).max(500),
  }),
  "documents.trace": z.object({ actingFor: z.array(organId), id: z.string() }),
  "evidence.export": EvidenceExportParams,
  ...ConsoleRpcParams,
  ...DirectoryRpcParams,
  ...SystemsRpcParams,
  ...MaintenanceRpcParams,
  ...ChainRpcParams,
  ...ReportsRpcParams,
  ...RetentionRpcParams,
  ...ConsoleStateRpcParams,
  ...RateLimitRpcParams,
  health: z.object({}),
} as const;
export type RpcMethod = keyof typeof RpcParams;
export type RpcParamsOf<M extends RpcMethod> = z.infer<(typeof RpcParams)[M]>;

export const RpcResults = {
  "packets.accept": AcceptResult,
  "inbox.list": z.object({ items: z.array(InboxItem) }),
  /** The packet inline (small), or its size and number of chunks to ask `inbox.fetchChunk` for. */
  "inbox.fetch": z
    .object({
      item: InboxItem,
      edxml: z.string().optional(),
      chunks: z.number().int().min(1).max(MAX_CHUNKS).optional(),
      size: z.number().int().nonnegative().optional(),
      /** Federation: the hops before this hub (as accepted); the sender on appends its own. */
      trace: HopTrace.optional(),
    })
    .refine((r) => (r.edxml === undefined) !== (r.chunks === undefined), {
      message: "exactly one of edxml and chunks",
    }),
  /** The chunk's bytes are the reply's body. */
  "inbox.fetchChunk": z.object({}),
  "blobs.putChunk": z.object({ stored: z.boolean() }),
  "inbox.ack": z.object({ item: InboxItem }),
  "documents.list": z.object({ documents: z.array(SentDocument) }),
  "documents.trace": Trace,
  "evidence.export": EvidenceExportResult,
  ...ConsoleRpcResults,
  ...DirectoryRpcResults,
  ...SystemsRpcResults,
  ...MaintenanceRpcResults,
  ...ChainRpcResults,
  ...ReportsRpcResults,
  ...RetentionRpcResults,
  ...ConsoleStateRpcResults,
  ...RateLimitRpcResults,
  health: z.object({
    database: z.boolean(),
    chainHead: z.object({ seq: z.number(), hash: z.string() }).optional(),
  }),
} as const;
export type RpcResultOf<M extends RpcMethod> = z.infer<(typeof RpcResults)[M]>;

export {
  AgencyMonthCounts,
  type ReportsRpcMethod,
  ReportsRpcParams,
  ReportsRpcResults,
} from "./reports.js";
export {
  Registration,
  SystemAuth,
  SystemId,
  SystemView,
} from "./systems.js";

export { z };
