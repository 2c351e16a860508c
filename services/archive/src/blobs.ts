import { createHash } from "node:crypto";
import { type Db, GridFSBucket, ObjectId } from "mongodb";

export const BUCKET = "edxml";

interface FileMeta {
  digest?: string;
}

/** sha256 hex */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The exact bytes of every packet, in GridFS (bucket `edxml`, filename = hubDocumentId):
 * documents are limited to 16 MB, letters may carry 20 MB attachments. The file id is derived
 * from the hubDocumentId, so a retried upload lands on the same id: its partial chunks are
 * removed first and a complete file with the right digest is never written twice.
 */
export class Blobs {
  private readonly bucket: GridFSBucket;

  constructor(private readonly db: Db) {
    this.bucket = new GridFSBucket(db, { bucketName: BUCKET });
  }

  static fileId(hubDocumentId: string): ObjectId {
    return new ObjectId(createHash("sha256").update(hubDocumentId).digest().subarray(0, 12));
  }

  /** True when the complete file is there with this digest and size. */
  async has(hubDocumentId: string, digest: string, size: number): Promise<boolean> {
    const file = await this.bucket.find({ _id: Blobs.fileId(hubDocumentId) }).next();
    const meta = file?.metadata as FileMeta | undefined;
    return file !== null && file.length === size && meta?.digest === digest;
  }

  /** Stores the bytes unless they are there already; idempotent. */
  async put(hubDocumentId: string, bytes: Buffer, digest: string): Promise<void> {
    if (await this.has(hubDocumentId, digest, bytes.length)) return;
    await this.remove(hubDocumentId);
    const id = Blobs.fileId(hubDocumentId);
    try {
      await new Promise<void>((resolve, reject) => {
        const stream = this.bucket.openUploadStreamWithId(id, hubDocumentId, {
          metadata: { digest, hubDocumentId },
        });
        stream.once("finish", () => resolve());
        stream.once("error", reject);
        stream.end(bytes);
      });
    } catch (err) {
      await this.remove(hubDocumentId).catch(() => undefined);
      throw err;
    }
  }

  /** The stored bytes, or undefined when there is no complete file. */
  async get(hubDocumentId: string): Promise<Buffer | undefined> {
    const id = Blobs.fileId(hubDocumentId);
    const file = await this.bucket.find({ _id: id }).next();
    if (!file) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of this.bucket.openDownloadStream(id)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** Removes the file and any chunks of a partial upload (a crash mid-upload leaves those). */
  async remove(hubDocumentId: string): Promise<void> {
    const id = Blobs.fileId(hubDocumentId);
    await this.db.collection(`${BUCKET}.files`).deleteOne({ _id: id });
    await this.db.collection(`${BUCKET}.chunks`).deleteMany({ files_id: id });
  }
}
