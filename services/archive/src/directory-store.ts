import type { Agency } from "@edoc/directory";
import type { DirectoryChangeRecord } from "@edoc/messages";
import { isDuplicateKeyError } from "@edoc/store";
import type { Collection } from "mongodb";

/**
 * One version of the agency directory: the change that made it (its history entry) and, for
 * the latest versions, the whole set of periods. `_id` = version: inserting version n+1 is the
 * commit, so two archives changing at once cannot both win (no transactions needed).
 */
export type DirectoryVersionDoc = Omit<DirectoryChangeRecord, "version"> & {
  _id: number;
  /** dropped from versions older than KEEP_SETS behind the latest (history and receipt stay) */
  agencies?: Agency[];
};

/**
 * Versions that keep their whole set: a backup cut at a signed chain head a few changes behind
 * must still find the set of the version it restores as the latest.
 */
const KEEP_SETS = 20;

export interface DirectoryHead {
  record: DirectoryChangeRecord;
  agencies: Agency[];
}

export function toRecord(doc: DirectoryVersionDoc): DirectoryChangeRecord {
  const { _id, agencies: _set, ...rest } = doc;
  return { version: _id, ...rest };
}

/** The directory's versions in the archive database, behind one small interface. */
export class DirectoryVersions {
  private cached: DirectoryHead | undefined;

  constructor(private readonly col: Collection<DirectoryVersionDoc>) {}

  /** The latest version's history entry (small: without the set). */
  async latest(): Promise<DirectoryChangeRecord | undefined> {
    const doc = await this.col
      .find({}, { projection: { agencies: 0 } })
      .sort({ _id: -1 })
      .limit(1)
      .next();
    return doc ? toRecord(doc) : undefined;
  }

  /** The latest version with its set; read from the database only when a newer one exists. */
  async head(): Promise<DirectoryHead | undefined> {
    const latest = await this.latest();
    if (!latest) return undefined;
    if (this.cached?.record.version === latest.version) {
      this.cached.record = latest; // its receiptId may have been set since
      return this.cached;
    }
    const doc = await this.col.findOne({ _id: latest.version });
    if (!doc?.agencies) throw new Error(`directory version ${latest.version} has no agency set`);
    this.cached = { record: toRecord(doc), agencies: doc.agencies };
    return this.cached;
  }

  /** Stores a new version; false when another writer took that version number first. */
  async insert(doc: DirectoryVersionDoc): Promise<boolean> {
    try {
      await this.col.insertOne(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
    this.cached = { record: toRecord(doc), agencies: doc.agencies ?? [] };
    await this.col.updateMany(
      { _id: { $lte: doc._id - KEEP_SETS }, agencies: { $exists: true } },
      { $unset: { agencies: "" } },
    );
    return true;
  }

  async setReceipt(version: number, receiptId: string): Promise<void> {
    await this.col.updateOne({ _id: version }, { $set: { receiptId } });
  }

  /** Versions whose receipt is not recorded yet (a crash between commit and receipt). */
  async unattested(): Promise<DirectoryVersionDoc[]> {
    return this.col
      .find({ receiptId: { $exists: false } }, { projection: { agencies: 0 } })
      .sort({ _id: 1 })
      .toArray();
  }

  /** Newest first; with `id`, only versions that touched it. */
  async history(limit: number, id?: string): Promise<DirectoryChangeRecord[]> {
    const filter = id ? { $or: [{ added: id }, { changed: id }, { removed: id }] } : {};
    const docs = await this.col
      .find(filter, { projection: { agencies: 0 } })
      .sort({ _id: -1 })
      .limit(limit)
      .toArray();
    return docs.map(toRecord);
  }
}
