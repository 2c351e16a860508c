import { unzipSync, type Zippable, zipSync } from "fflate";
import { EvidenceError } from "./errors.js";

/** Bounds on what is unpacked: a bundle is evidence for one letter, not a transport. */
export const LIMITS = {
  maxEntries: 10_000,
  /** Per file (the hub takes letters up to 40 MB, base64 included). */
  maxFileBytes: 256 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
} as const;

export interface ZipContents {
  /** Regular files by path (directory entries are skipped). */
  files: Map<string, Uint8Array>;
  /** Paths that occur more than once in the ZIP (which copy a tool extracts is ambiguous). */
  duplicates: string[];
}

/** Unpacks a bundle; anything fflate cannot read, or that exceeds the limits, is BUNDLE_UNREADABLE. */
export function unpack(zip: Uint8Array): ZipContents {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  let entries = 0;
  let total = 0;
  let tooBig: string | undefined;
  let unzipped: Record<string, Uint8Array>;
  try {
    unzipped = unzipSync(zip, {
      filter(info) {
        entries++;
        total += info.originalSize;
        if (seen.has(info.name)) duplicates.push(info.name);
        seen.add(info.name);
        if (info.originalSize > LIMITS.maxFileBytes) tooBig = info.name;
        return (
          !info.name.endsWith("/") &&
          entries <= LIMITS.maxEntries &&
          total <= LIMITS.maxTotalBytes &&
          tooBig === undefined
        );
      },
    });
  } catch (err) {
    throw new EvidenceError(
      "BUNDLE_UNREADABLE",
      `not a readable ZIP: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (entries > LIMITS.maxEntries) {
    throw new EvidenceError("BUNDLE_UNREADABLE", `the ZIP has over ${LIMITS.maxEntries} entries`);
  }
  if (tooBig !== undefined || total > LIMITS.maxTotalBytes) {
    throw new EvidenceError(
      "BUNDLE_UNREADABLE",
      tooBig !== undefined
        ? `${tooBig} would unpack to over ${LIMITS.maxFileBytes} bytes`
        : `the ZIP would unpack to over ${LIMITS.maxTotalBytes} bytes`,
    );
  }
  return { files: new Map(Object.entries(unzipped)), duplicates };
}

/** Packs files in the given order with a fixed timestamp, so the same input gives the same bytes. */
export function pack(files: ReadonlyArray<readonly [string, Uint8Array]>, mtime: Date): Uint8Array {
  const zippable: Zippable = {};
  for (const [path, bytes] of files) zippable[path] = [bytes, { level: 6, mtime }];
  return zipSync(zippable);
}
