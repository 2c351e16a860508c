import { createHash, type Hash } from "node:crypto";
import { BLOB_CHUNK } from "@edoc/messages";
import { isDuplicateKeyError } from "@edoc/store";
import type { BlobDoc, Collections } from "./collections.js";

/** Bytes per document: letters up to this size are one `blobs` row, larger ones are split. */
const CHUNK = 8 * 1024 * 1024;

/** Uploads whose digest is taken on the way; an older one is read back at its accept. */
const MAX_ARRIVING = 64;

const chunkId = (hubDocumentId: string, index: number) => `${hubDocumentId}:${index}`;

/**
 * The exact bytes of every packet, read and written by `_id` only. A `blobs` row (`_id` =
 * hubDocumentId) holds size and digest, and the bytes themselves up to 8 MiB. A larger letter
 * (up to 20 MB: over MongoDB's 16 MB document limit) is split into `blobChunks` rows
 * (`_id` = `<hubDocumentId>:<index>`), written first; the `blobs` row, written last, says how
 * many there are. Its presence means the bytes are complete.
 */
export class Blobs {
  /** Digests of the uploads being stored, chunk by chunk (at most MAX_ARRIVING). */
  private readonly arriving = new Map<string, { hash: Hash; next: number; size: number }>();

  constructor(private readonly c: Pick<Collections, "blobs" | "blobChunks" | "blobUploads">) {}

  /** True when the complete bytes are there with this digest and size. */
  async has(hubDocumentId: string, digest: string, size: number): Promise<boolean> {
    const row = await this.c.blobs.findOne({ _id: hubDocumentId }, { projection: { data: 0 } });
    return row !== null && row.digest === digest && row.size === size;
  }

  /** Stores the bytes unless they are there already; idempotent. */
  async put(hubDocumentId: string, bytes: Buffer, digest: string): Promise<void> {
    const row: BlobDoc = { _id: hubDocumentId, size: bytes.length, digest };
    if (bytes.length <= CHUNK) {
      row.data = bytes;
    } else {
      if (await this.has(hubDocumentId, digest, bytes.length)) return;
      // Other bytes under this id (never completed): no longer complete from here on.
      await this.c.blobs.deleteOne({ _id: hubDocumentId });
      row.chunks = Math.ceil(bytes.length / CHUNK);
      for (let i = 0; i < row.chunks; i++) {
        await this.writeChunk(
          chunkId(hubDocumentId, i),
          bytes.subarray(i * CHUNK, (i + 1) * CHUNK),
        );
      }
    }
    await this.writeRow(row);
  }

  /**
   * Writes the `blobs` row, last (its presence means the bytes are complete). A row there
   * already with the same digest and size (a retry) stays; one for other bytes is replaced.
   */
  private async writeRow(row: BlobDoc): Promise<void> {
    try {
      await this.c.blobs.insertOne(row);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      if (await this.has(row._id, row.digest, row.size)) return;
      await this.c.blobs.replaceOne({ _id: row._id }, row);
    }
  }

  /** An insert first: one command for a new chunk; only a resent one is replaced. */
  private async writeChunk(_id: string, data: Buffer): Promise<void> {
    try {
      await this.c.blobChunks.insertOne({ _id, data });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      await this.c.blobChunks.replaceOne({ _id }, { data }); // a resent or retried upload
    }
  }

  /**
   * One chunk of an upload (`blobs.putChunk`), written straight under its `_id`. Nothing is
   * written when the complete bytes are there already (a resent letter: same id, same bytes),
   * which the first chunk finds out (the uploader stops there); returns whether it was stored.
   */
  async putChunk(hubDocumentId: string, index: number, data: Buffer): Promise<boolean> {
    if (index === 0) {
      if (await this.row(hubDocumentId)) return false;
      await this.c.blobUploads.replaceOne(
        { _id: hubDocumentId },
        { startedAt: new Date() },
        { upsert: true },
      );
    }
    await this.writeChunk(chunkId(hubDocumentId, index), data);
    this.digestOnTheWay(hubDocumentId, index, data);
    return true;
  }

  /** Hashes an upload's chunks as they are stored, when they come in order from chunk 0. */
  private digestOnTheWay(hubDocumentId: string, index: number, data: Buffer): void {
    if (index === 0) {
      this.arriving.delete(hubDocumentId);
      this.arriving.set(hubDocumentId, { hash: createHash("sha256"), next: 0, size: 0 });
      if (this.arriving.size > MAX_ARRIVING) {
        const oldest = this.arriving.keys().next().value;
        if (oldest !== undefined) this.arriving.delete(oldest);
      }
    }
    const upload = this.arriving.get(hubDocumentId);
    if (!upload) return;
    if (upload.next !== index) {
      this.arriving.delete(hubDocumentId); // out of order (two uploads at once): read back
      return;
    }
    upload.hash.update(data);
    upload.next++;
    upload.size += data.length;
  }

  /**
   * True when the uploaded chunks 0 … chunks-1 hold exactly `size` bytes with this digest: from
   * the digest taken while they were stored, or (after a restart, or chunks out of order) by
   * reading them back.
   */
  async checkUpload(
    hubDocumentId: string,
    chunks: number,
    digest: string,
    size: number,
  ): Promise<boolean> {
    const upload = this.arriving.get(hubDocumentId);
    this.arriving.delete(hubDocumentId);
    if (upload?.next === chunks)
      return upload.size === size && upload.hash.digest("hex") === digest;
    return this.checkChunks(hubDocumentId, chunks, digest, size);
  }

  /**
   * True when chunks 0 … chunks-1 are there and hold exactly `size` bytes with this digest,
   * read back one at a time (never concatenated), in one query: on FerretDB/SQLite each
   * lookup reads every chunk stored, so one pass over them beats one per chunk.
   */
  async checkChunks(
    hubDocumentId: string,
    chunks: number,
    digest: string,
    size: number,
  ): Promise<boolean> {
    const hash = createHash("sha256");
    let total = 0;
    for await (const data of this.readChunks(hubDocumentId, chunks)) {
      if (!data) return false;
      total += data.length;
      if (total > size) return false;
      hash.update(data);
    }
    return total === size && hash.digest("hex") === digest;
  }

  /**
   * Chunks 0 … chunks-1 in order (undefined for a missing one, then stops), from one cursor
   * that holds one chunk at a time; by `_id`, one at a time, if the stored order differs.
   */
  private async *readChunks(
    hubDocumentId: string,
    chunks: number,
  ): AsyncGenerator<Buffer | undefined> {
    const ids = Array.from({ length: chunks }, (_, i) => chunkId(hubDocumentId, i));
    const cursor = this.c.blobChunks.find({ _id: { $in: ids } }).batchSize(1);
    let i = 0;
    try {
      for await (const row of cursor) {
        if (row._id !== ids[i]) break;
        yield row.data;
        i++;
      }
    } finally {
      await cursor.close();
    }
    for (; i < chunks; i++) {
      const data = await this.chunk(hubDocumentId, i);
      yield data;
      if (!data) return;
    }
  }

  /**
   * Marks uploaded chunks (checked with checkChunks) complete: the `blobs` row, written last.
   * Idempotent like put.
   */
  async seal(hubDocumentId: string, chunks: number, digest: string, size: number): Promise<void> {
    await this.writeRow({ _id: hubDocumentId, size, digest, chunks, chunkBytes: BLOB_CHUNK });
    await this.c.blobUploads.deleteOne({ _id: hubDocumentId });
  }

  /** Size, digest and layout of the stored bytes (not the bytes). */
  row(hubDocumentId: string): Promise<BlobDoc | null> {
    return this.c.blobs.findOne({ _id: hubDocumentId }, { projection: { data: 0 } });
  }

  /** One chunk's bytes, or undefined when missing. */
  async chunk(hubDocumentId: string, index: number): Promise<Buffer | undefined> {
    const row = await this.c.blobChunks.findOne({ _id: chunkId(hubDocumentId, index) });
    return row?.data;
  }

  /**
   * Deletes the chunks of an upload that will not be accepted (refused, or a digest mismatch),
   * unless complete bytes are stored under the id.
   */
  async discardUpload(hubDocumentId: string): Promise<void> {
    if (!(await this.row(hubDocumentId))) await this.removeChunks(hubDocumentId);
    await this.c.blobUploads.deleteOne({ _id: hubDocumentId });
  }

  /** Uploads started before `before` (the reconciler's sweep), oldest first. */
  staleUploads(before: Date, limit: number): Promise<{ _id: string }[]> {
    return this.c.blobUploads
      .find({ startedAt: { $lt: before } }, { projection: { _id: 1 } })
      .sort({ startedAt: 1 })
      .limit(limit)
      .toArray();
  }

  /** Forgets an upload that an accept took over (its packet row owns the bytes now). */
  async forgetUpload(hubDocumentId: string): Promise<void> {
    await this.c.blobUploads.deleteOne({ _id: hubDocumentId });
  }

  private async removeChunks(hubDocumentId: string): Promise<void> {
    for (let i = 0; ; i++) {
      const gone = await this.c.blobChunks.deleteOne({ _id: chunkId(hubDocumentId, i) });
      if (gone.deletedCount === 0) break;
    }
  }

  /** The stored bytes, or undefined when they are missing or incomplete. */
  async get(hubDocumentId: string): Promise<Buffer | undefined> {
    const row = await this.c.blobs.findOne({ _id: hubDocumentId });
    if (!row) return undefined;
    if (row.data) return row.data;
    const parts: Buffer[] = [];
    for await (const data of this.readChunks(hubDocumentId, row.chunks ?? 0)) {
      if (!data) return undefined;
      parts.push(data);
    }
    const bytes = Buffer.concat(parts);
    return bytes.length === row.size ? bytes : undefined;
  }

  /**
   * Removes the bytes: the row first (they are no longer complete), then the chunks, from the
   * first one on until one is missing. Chunks are written in order, so a crash mid-upload
   * leaves a prefix of them, which this finds too.
   */
  async remove(hubDocumentId: string): Promise<void> {
    await this.c.blobs.deleteOne({ _id: hubDocumentId });
    await this.removeChunks(hubDocumentId);
    await this.c.blobUploads.deleteOne({ _id: hubDocumentId });
  }
}
