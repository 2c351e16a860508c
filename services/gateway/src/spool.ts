import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Bytes read from the spool at a time (verification, upload to the archive). */
export const SPOOL_READ = 1024 * 1024;

/**
 * A received body on disk, in a private temporary directory: written once, in order, with its
 * size and sha256 computed on the way; read back in 1 MiB slices. Synchronous I/O on purpose:
 * xml-crypto's digest callbacks are synchronous, and slices this small cost microseconds.
 */
export class Spool {
  readonly dir: string;
  private readonly fd: number;
  private readonly hash = createHash("sha256");
  private digestHex: string | undefined;
  size = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "edoc-body-"));
    try {
      this.fd = openSync(join(this.dir, "body"), "w+", 0o600);
    } catch (err) {
      rmSync(this.dir, { recursive: true, force: true });
      throw err;
    }
  }

  write(chunk: Uint8Array): void {
    let done = 0;
    while (done < chunk.length) {
      done += writeSync(this.fd, chunk, done, chunk.length - done, this.size + done);
    }
    this.size += chunk.length;
    this.hash.update(chunk);
  }

  /** sha256 hex of everything written (call once the body is complete). */
  digest(): string {
    this.digestHex ??= this.hash.digest("hex");
    return this.digestHex;
  }

  /**
   * `length` bytes from `offset`, in slices of at most `slice` bytes. With `reuse`, every slice
   * is read into the same buffer (valid until the next one): for consumers that hash or encode
   * each slice at once, so that a 20 MB body does not leave 20 MB of buffers to collect.
   */
  *read(
    offset = 0,
    length = this.size - offset,
    slice = SPOOL_READ,
    reuse = false,
  ): Generator<Buffer> {
    let at = offset;
    const end = offset + length;
    const scratch = reuse ? Buffer.allocUnsafe(Math.min(slice, length)) : undefined;
    while (at < end) {
      const size = Math.min(slice, end - at);
      const buf = scratch ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
      let got = 0;
      while (got < buf.length) {
        const n = readSync(this.fd, buf, got, buf.length - got, at + got);
        if (n === 0) throw new Error("spool shorter than expected");
        got += n;
      }
      at += got;
      yield buf;
    }
  }

  /** One range as a single buffer (small ranges only). */
  readRange(offset: number, length: number): Buffer {
    return Buffer.concat([...this.read(offset, length)]);
  }

  /** Closes and deletes the file and its directory; safe to call more than once. */
  dispose(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
