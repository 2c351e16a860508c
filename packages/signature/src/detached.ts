import { createHash, type Hash } from "node:crypto";
import type { HashAlgorithm } from "xml-crypto";
import { DIGEST_HASHES } from "./algorithms.js";

/**
 * A long base64 text cut out of a received document before parsing (the gateway's spool): the
 * document keeps `token` in its place, the bytes stay wherever the caller keeps them.
 */
export interface DetachedRun {
  /** The placeholder standing in the document for the run (letters and digits only). */
  readonly token: string;
  /** Decoded size of the run as base64, or undefined when it is not valid base64. */
  readonly decodedSize: number | undefined;
  /** The run's raw bytes as received, in order, in chunks (read on demand: no I/O here). */
  readonly read: () => Iterable<Uint8Array>;
}

/** The runs of one document, in document order; every token starts with `prefix`. */
export interface DetachedTexts {
  readonly prefix: string;
  readonly runs: readonly DetachedRun[];
}

type HashClass = new () => HashAlgorithm;

/** What the digest wrappers saw, for the verdict after xml-crypto's checkSignature. */
export interface DetachedAudit {
  /** Set when a canonical form showed placeholders that are not all runs, once, in order. */
  refused?: string;
}

/**
 * Digest classes for xml-crypto's per-instance HashAlgorithms map that hash a canonical form of
 * the skeleton as if the runs stood in place of their placeholders. A run's text has no `&`, `<`
 * or `>`, so its canonical form is its bytes after XML end-of-line normalization; the digest is
 * then exactly the one the whole document would give. A canonical form without any placeholder
 * is hashed as is (the XAdES SignedProperties; the caller checks coverage afterwards).
 */
export function detachedHashAlgorithms(
  builtIn: Readonly<Record<string, HashClass>>,
  uris: readonly string[],
  detached: DetachedTexts,
  audit: DetachedAudit,
): Record<string, HashClass> {
  const out: Record<string, HashClass> = {};
  for (const uri of uris) {
    const name = DIGEST_HASHES[uri];
    const Real = builtIn[uri];
    if (!name || !Real) continue;
    out[uri] = class DetachedDigest implements HashAlgorithm {
      getAlgorithmName(): string {
        return uri;
      }
      getHash(xml: string): string {
        if (!xml.includes(detached.prefix)) return new Real().getHash(xml);
        const hash = createHash(name);
        const problem = hashWithRuns(hash, xml, detached);
        if (problem) {
          audit.refused = problem;
          return ""; // never equal to a DigestValue: the reference fails
        }
        return hash.digest("base64");
      }
    };
  }
  return out;
}

/**
 * The digest (base64) of a skeleton's canonical form with each placeholder replaced by its run,
 * or the reason the placeholders are not every run, once, in order.
 */
export function digestWithRuns(
  name: "sha1" | "sha256" | "sha512",
  xml: string,
  detached: DetachedTexts,
): { digest: string } | { refused: string } {
  const hash = createHash(name);
  const problem = hashWithRuns(hash, xml, detached);
  return problem ? { refused: problem } : { digest: hash.digest("base64") };
}

/** Hashes `xml` with each placeholder replaced by its run; a reason when they do not line up. */
function hashWithRuns(hash: Hash, xml: string, detached: DetachedTexts): string | undefined {
  let from = 0;
  for (const [i, run] of detached.runs.entries()) {
    const at = xml.indexOf(detached.prefix, from);
    if (at < 0 || !xml.startsWith(run.token, at)) {
      return `detached text #${i} is not where the signed content has it (once, in order)`;
    }
    hash.update(xml.slice(from, at), "utf8");
    hashCanonicalRun(hash, run.read());
    from = at + run.token.length;
  }
  if (xml.indexOf(detached.prefix, from) >= 0) {
    return "a placeholder appears more than once in the signed content";
  }
  hash.update(xml.slice(from), "utf8");
  return undefined;
}

const CR = 0x0d;
const LF = 0x0a;

/** XML end-of-line handling (CRLF and lone CR become LF), across chunk boundaries. */
export function hashCanonicalRun(hash: Hash, chunks: Iterable<Uint8Array>): void {
  let afterCr = false;
  let scratch: Buffer | undefined;
  for (const chunk of chunks) {
    let start = 0;
    if (afterCr && chunk[0] === LF) start = 1;
    afterCr = false;
    if (chunk.indexOf(CR, start) < 0) {
      hash.update(chunk.subarray(start));
      continue;
    }
    if (!scratch || scratch.length < chunk.length) scratch = Buffer.allocUnsafe(chunk.length);
    let n = 0;
    for (let i = start; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b !== CR) {
        scratch[n++] = b;
        continue;
      }
      scratch[n++] = LF;
      if (i + 1 < chunk.length) {
        if (chunk[i + 1] === LF) i++;
      } else {
        afterCr = true;
      }
    }
    hash.update(scratch.subarray(0, n));
  }
}

/** True when `xml` carries every token once, in order (the document reference's coverage). */
export function coversAll(xml: string, detached: DetachedTexts): boolean {
  let from = 0;
  for (const run of detached.runs) {
    const at = xml.indexOf(detached.prefix, from);
    if (at < 0 || !xml.startsWith(run.token, at)) return false;
    from = at + run.token.length;
  }
  return xml.indexOf(detached.prefix, from) < 0;
}
