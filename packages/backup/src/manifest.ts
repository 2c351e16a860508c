import { z } from "zod";

export const BACKUP_FORMAT = "edoc-backup/1";
export const MANIFEST_NAME = "manifest.json";

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** One collection's rows: canonical Extended JSON, one row per line. */
export const BackupPart = z.object({
  name: z.string().min(1).max(99),
  collection: z.string().min(1),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: Sha256,
});
export type BackupPart = z.infer<typeof BackupPart>;

/** Where the snapshot was cut: the receipt chain up to `seq` (see snapshot.ts). */
export const BackupCut = z.object({
  seq: z.number().int().nonnegative(),
  hash: z.string(),
  /** true when `seq` is a hub-signed chain head; false for a hub without a key */
  signed: z.boolean(),
  at: z.string().optional(),
});
export type BackupCut = z.infer<typeof BackupCut>;

export const BackupManifest = z.object({
  format: z.literal(BACKUP_FORMAT),
  createdAt: z.string(),
  database: z.string(),
  /** absent for a database without receipts */
  cut: BackupCut.optional(),
  parts: z.array(BackupPart),
  /** what the copy left out or repaired, for the operator */
  notes: z.array(z.string()),
});
export type BackupManifest = z.infer<typeof BackupManifest>;
