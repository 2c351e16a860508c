import { createHash } from "node:crypto";
import { BLOB_CHUNK } from "@edoc/messages";
import { isDuplicateKeyError } from "@edoc/store";
import type { BlobDoc, Collections } from "./collections.js";

/** Bytes per document: letters up to this size are one `blobs` row, larger ones are split. */
export const CHUNK = 8 * 1024 * 1024;

/** sha256 hex */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The most bytes in one uploaded chunk (messages' BLOB_CHUNK, enforced by its schema). */
export const UPLOAD_CHUNK = BLOB_CHUNK;

const chunkId = (hubDocumentId: string, index: number) => `${hubDocumentId}:${index}`;

/**
 * The exact bytes of every packet, read and written by `_id` only. A `blobs` row (`_id` =
 * hubDocumentId) holds size and digest, and the bytes themselves up to 8 MiB. A larger letter
 * (up to 20 MB: over MongoDB's 16 MB document limit) is split into `blobChunks` rows
 * (`_id` = `<hubDocumentId>:<index>`), written first; the `blobs` row, written last, says how
 * many there are. Its presence means the bytes are complete.
 */
export class Blobs {
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
        await this.c.blobChunks.replaceOne(
          { _id: chunkId(hubDocumentId, i) },
          { data: bytes.subarray(i * CHUNK, (i + 1) * CHUNK) },
          { upsert: true },
        );
      }
    }
    try {
      await this.c.blobs.insertOne(row);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // There already: the same bytes (a retry) stay; other ones are replaced.
      if (await this.has(hubDocumentId, digest, bytes.length)) return;
      await this.c.blobs.replaceOne({ _id: hubDocumentId }, row);
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
    await this.c.blobChunks.replaceOne(
      { _id: chunkId(hubDocumentId, index) },
      { data },
      { upsert: true },
    );
    return true;
  }

  /**
   * True when chunks 0 … chunks-1 are there and hold exactly `size` bytes with this digest,
   * read back one at a time (never concatenated).
   */
  async checkChunks(
    hubDocumentId: string,
    chunks: number,
    digest: string,
    size: number,
  ): Promise<boolean> {
    const hash = createHash("sha256");
    let total = 0;
    // The next chunk is asked for while this one is hashed: two in memory at most.
    let next = this.chunk(hubDocumentId, 0);
    for (let i = 0; i < chunks; i++) {
      const data = await next;
      if (i + 1 < chunks) {
        next = this.chunk(hubDocumentId, i + 1);
        next.catch(() => {}); // awaited in the next round
      }
      if (!data) return false;
      total += data.length;
      if (total > size) return false;
      hash.update(data);
    }
    return total === size && hash.digest("hex") === digest;
  }

  /**
   * Marks uploaded chunks (checked with checkChunks) complete: the `blobs` row, written last.
   * Idempotent like put.
   */
  async seal(hubDocumentId: string, chunks: number, digest: string, size: number): Promise<void> {
    if (!(await this.has(hubDocumentId, digest, size))) {
      const row: BlobDoc = { _id: hubDocumentId, size, digest, chunks, chunkBytes: UPLOAD_CHUNK };
      try {
        await this.c.blobs.insertOne(row);
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        if (!(await this.has(hubDocumentId, digest, size))) {
          await this.c.blobs.replaceOne({ _id: hubDocumentId }, row);
        }
      }
    }
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
    for (let i = 0; i < (row.chunks ?? 0); i++) {
      const chunk = await this.c.blobChunks.findOne({ _id: chunkId(hubDocumentId, i) });
      if (!chunk) return undefined;
      parts.push(chunk.data);
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
