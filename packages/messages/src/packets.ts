/** The packets the services hand each other: an accepted packet, its route, its plan. */
import { z } from "zod";
import { HopTrace, HubId } from "./federation.js";
import { PdfCheck } from "./pades.js";
import { isoTime, organId, sha256Hex } from "./primitives.js";

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
export const MAX_CHUNKS = 1024;
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

/** The archive's RPC methods that take packets in (`RpcParams` / `RpcResults`). */
export const PacketsRpcParams = {
  "packets.accept": AcceptRequest,
  "blobs.putChunk": PutChunkParams,
} as const;

export const PacketsRpcResults = {
  "packets.accept": AcceptResult,
  "blobs.putChunk": z.object({ stored: z.boolean() }),
} as const;
