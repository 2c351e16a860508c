/**
 * The agency directory (danh bạ cơ quan) as the archive keeps it: versioned snapshots in the
 * database, changed only through `directory.change`, each change attested by a receipt, and
 * announced on the `directory.changed` broadcast so every service swaps its snapshot.
 */
import { z } from "zod";
import { HubId } from "./federation.js";
import { isoTime, organId, sha256Hex } from "./primitives.js";

/** A calendar day `yyyy-mm-dd`, read as a Vietnam day (UTC+07:00). */
export const DirectoryDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a day yyyy-mm-dd");

export const DirectoryTier = z.enum([
  "central",
  "province",
  "department",
  "district",
  "commune",
  "division",
]);

/** One validity period of one agency: the `edoc-directory/1` record (@edoc/directory Agency). */
export const DirectoryAgency = z.strictObject({
  id: organId,
  name: z.string().min(1).max(500),
  tier: DirectoryTier,
  parent: organId.optional(),
  /** inclusive */
  validFrom: DirectoryDay,
  /** exclusive; absent = still active */
  validTo: DirectoryDay.optional(),
  successor: organId.optional(),
  email: z.string().max(320).optional(),
  /** The peer hub holding its mailbox (federation); absent = this hub. */
  hub: HubId.optional(),
});
export type DirectoryAgency = z.infer<typeof DirectoryAgency>;

/**
 * One change of the directory. The archive applies it to the current version and refuses a
 * result `Directory.fromAgencies` rejects (unknown parent or successor, overlapping periods…).
 * - `add`: a new period (a new agency, or a later period of a closed one).
 * - `update`: replaces the period of `agency.id` that starts on `agency.validFrom`.
 * - `close`: ends the open period of `id` on `validTo` (exclusive; default: today, Vietnam
 *   time), letters then going to `successor` when given.
 * - `import`: replaces the whole directory by `agencies` (a full TSV/JSON set).
 */
export const DirectoryChange = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("add"), agency: DirectoryAgency }),
  z.strictObject({ op: z.literal("update"), agency: DirectoryAgency }),
  z.strictObject({
    op: z.literal("close"),
    id: organId,
    validTo: DirectoryDay.optional(),
    successor: organId.optional(),
  }),
  z.strictObject({
    op: z.literal("import"),
    agencies: z.array(DirectoryAgency).min(1).max(50_000),
    /** where the set came from (a file name), for the history */
    source: z.string().min(1).max(200).optional(),
  }),
]);
export type DirectoryChange = z.infer<typeof DirectoryChange>;
export type DirectoryOp = DirectoryChange["op"] | "seed";

/** A version's entry in the history (the console's and `edoc directory show`'s). */
export const DirectoryChangeRecord = z.object({
  version: z.number().int().min(1),
  op: z.enum(["seed", "add", "update", "close", "import"]),
  /** who asked: an operator, a console user, `vdxp:<system>`, or `hub` for the seed */
  actor: z.string(),
  at: isoTime,
  source: z.string().optional(),
  /** ids with a new period, with a changed period, and without any period any more */
  added: z.array(organId),
  changed: z.array(organId),
  removed: z.array(organId),
  /** SHA-256 of the version's agencies (canonical JSON), also in its receipt */
  digest: sha256Hex,
  /** the `directory-changed` receipt; absent for a moment after the change */
  receiptId: z.string().optional(),
});
export type DirectoryChangeRecord = z.infer<typeof DirectoryChangeRecord>;

/** The broadcast `directory.changed` (fanout): a new version exists. */
export const DirectoryChanged = z.object({ version: z.number().int().min(1), at: isoTime });
export type DirectoryChanged = z.infer<typeof DirectoryChanged>;

export const DirectoryRpcParams = {
  "directory.change": z.object({
    change: DirectoryChange,
    actor: z.string().min(1).max(100),
    /** refuse (DIRECTORY_CONFLICT) unless the current version is this one */
    expectedVersion: z.number().int().min(1).optional(),
  }),
  /** The current version; its agencies only when it is newer than `after`. */
  "directory.snapshot": z.object({ after: z.number().int().min(0).optional() }),
  /** Newest first; `id`: only the changes that touched it. */
  "directory.history": z.object({
    id: organId.optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  }),
} as const;

export const DirectoryRpcResults = {
  /** `unchanged`: the change was already in force (a retried add…); no new version. */
  "directory.change": z.object({
    outcome: z.enum(["changed", "unchanged"]),
    version: z.number().int().min(1),
    record: DirectoryChangeRecord,
  }),
  "directory.snapshot": z.object({
    version: z.number().int().min(1),
    at: isoTime,
    digest: sha256Hex,
    agencies: z.array(DirectoryAgency).optional(),
  }),
  "directory.history": z.object({ changes: z.array(DirectoryChangeRecord) }),
} as const;
