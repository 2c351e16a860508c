/** The sender's and the auditor's views of a letter: its trace, the sent list, the evidence bundle. */
import { z } from "zod";
import { HopTrace, HubId } from "./federation.js";
import { DocType, PacketKind } from "./packets.js";
import { PdfCheck } from "./pades.js";
import { isoTime, organId, sha256Hex } from "./primitives.js";

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

export const DocumentsRpcParams = {
  "documents.list": z.object({
    actingFor: z.array(organId),
    limit: z.number().int().min(1).max(500),
  }),
  "documents.trace": z.object({ actingFor: z.array(organId), id: z.string() }),
  "evidence.export": EvidenceExportParams,
} as const;

export const DocumentsRpcResults = {
  "documents.list": z.object({ documents: z.array(SentDocument) }),
  "documents.trace": Trace,
  "evidence.export": EvidenceExportResult,
} as const;
