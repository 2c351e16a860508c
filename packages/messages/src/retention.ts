import { z } from "zod";

/**
 * RPC `retention.apply` (operators: `edoc retention apply`): removes the bytes of letters kept
 * longer than the archive's retention period (EDOC_RETENTION_DAYS), each with a `purged`
 * receipt. `dryRun` only lists them.
 */
export const RetentionRpcParams = {
  "retention.apply": z.object({
    dryRun: z.boolean().default(false),
    /** at most this many letters purged (or listed) per call */
    limit: z.number().int().min(1).max(10_000).default(1000),
  }),
} as const;

const PurgeCandidate = z.object({
  hubDocumentId: z.string(),
  documentId: z.string(),
  from: z.string(),
  acceptedAt: z.string(),
  size: z.number().int().nonnegative(),
  /** the `purged` receipt (absent in a dry run) */
  receiptId: z.string().optional(),
});

export const RetentionRpcResults = {
  "retention.apply": z.object({
    dryRun: z.boolean(),
    retentionDays: z.number().positive(),
    /** letters accepted before this instant are past the period */
    cutoff: z.string().datetime({ offset: true }),
    letters: z.array(PurgeCandidate),
    bytes: z.number().int().nonnegative(),
    /** letters past the period kept for now: a delivery still open, or not routed yet */
    kept: z.number().int().nonnegative(),
    /** more letters are past the period than `limit` */
    more: z.boolean(),
  }),
} as const;
