import { randomBytes } from "node:crypto";

/** Runs shorter than this stay in the skeleton: only attachment-sized texts are worth cutting. */
const MIN_RUN = 64 * 1024;

const GT = 0x3e;
const LT = 0x3c;
const DATA = 1;
const PAD = 2;
const SPACE = 3;

/** Byte classes of what a run may hold: the base64 alphabet, "=" and XML whitespace. */
const CLASS = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
  CLASS[c.charCodeAt(0)] = DATA;
}
CLASS["=".charCodeAt(0)] = PAD;
for (const c of " \t\r\n") CLASS[c.charCodeAt(0)] = SPACE;

/** A run cut out of the body: where its bytes are in the spool and what stands in its place. */
export interface ScannedRun {
  readonly token: string;
  readonly offset: number;
  readonly length: number;
  /** As @edoc/edxml's base64Size would compute it; undefined when it is not valid base64. */
  readonly decodedSize: number | undefined;
}

/**
 * Builds, chunk by chunk, the body with every long run of base64 text that sits directly
 * between a `>` and a `<` replaced by a placeholder: the part of the document worth parsing.
 * The runs' bytes stay in the spool; `readBack` fetches a long candidate that turned out not to
 * be a run (some other character before the `<`) so that the skeleton is still exact.
 */
export class SkeletonScanner {
  /** Per request and unguessable, so no sender can write one into its document in advance. */
  readonly prefix = `EDOCDETACHED${randomBytes(16).toString("hex")}N`;
  readonly runs: ScannedRun[] = [];
  private readonly parts: Buffer[] = [];
  private offset = 0;
  private inCandidate = false;
  private start = 0;
  private length = 0;
  /** Candidate bytes while shorter than minRun (afterwards the spool has them). */
  private held: Buffer[] | undefined = [];
  private data = 0;
  private pad = 0;
  private misplacedPad = false;

  constructor(
    private readonly readBack: (offset: number, length: number) => Buffer,
    private readonly minRun = MIN_RUN,
  ) {}

  /** The next bytes of the body (already in the spool, for readBack). */
  push(chunk: Uint8Array): void {
    let seg = 0; // first byte of this chunk not yet in the skeleton
    let cand = 0; // first candidate byte in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (!this.inCandidate) {
        if (b === GT) {
          this.emit(chunk.subarray(seg, i + 1));
          this.begin(this.offset + i + 1);
          cand = i + 1;
        }
        continue;
      }
      const cls = CLASS[b]!;
      if (cls !== 0) {
        this.length++;
        if (cls === DATA) {
          this.data++;
          if (this.pad > 0) this.misplacedPad = true;
        } else if (cls === PAD) this.pad++;
        continue;
      }
      this.hold(chunk.subarray(cand, i));
      this.end(b === LT);
      seg = i;
      if (b === GT) {
        this.emit(chunk.subarray(seg, i + 1));
        this.begin(this.offset + i + 1);
        cand = i + 1;
      }
    }
    if (this.inCandidate) this.hold(chunk.subarray(cand));
    else this.emit(chunk.subarray(seg));
    this.offset += chunk.length;
  }

  /** The skeleton, once the whole body went through push. */
  finish(): Buffer {
    if (this.inCandidate) this.end(false);
    return Buffer.concat(this.parts);
  }

  private emit(bytes: Uint8Array): void {
    if (bytes.length > 0) this.parts.push(Buffer.from(bytes));
  }

  private begin(at: number): void {
    this.inCandidate = true;
    this.start = at;
    this.length = 0;
    this.held = [];
    this.data = 0;
    this.pad = 0;
    this.misplacedPad = false;
  }

  private hold(bytes: Uint8Array): void {
    if (!this.held) return;
    if (this.length >= this.minRun) this.held = undefined;
    else if (bytes.length > 0) this.held.push(Buffer.from(bytes));
  }

  private end(closed: boolean): void {
    this.inCandidate = false;
    if (closed && this.length >= this.minRun && this.data > 0) {
      const token = `${this.prefix}${this.runs.length}X`;
      this.runs.push({
        token,
        offset: this.start,
        length: this.length,
        decodedSize: this.decodedSize(),
      });
      this.parts.push(Buffer.from(token, "latin1"));
      return;
    }
    // Not a run after all (whitespace only, or not followed by markup): kept as it was.
    if (this.held) this.parts.push(...this.held);
    else this.parts.push(this.readBack(this.start, this.length));
  }

  /** The rules of @edoc/edxml's base64Size, counted instead of matched. */
  private decodedSize(): number | undefined {
    const { data, pad } = this;
    if (this.misplacedPad || pad > 2 || data % 4 === 1) return undefined;
    if (pad > 0 && (data + pad) % 4 !== 0) return undefined;
    return Math.floor((data * 3) / 4);
  }
}
