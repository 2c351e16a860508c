import { createHash } from "node:crypto";

/**
 * `XroadVnpt-hash-file`: SHA-256 of the file as hex with leading zeros dropped, as Java's
 * `BigInteger.toString(16)` writes it (one digest in sixteen starts with a zero).
 */
export function hashFile(bytes: Uint8Array): string {
  return createHash("sha256")
    .update(bytes)
    .digest("hex")
    .replace(/^0+(?=.)/, "");
}

/** Whether a declared hash-file (with or without its leading zeros, any case) names a file
 * whose SHA-256 is `sha256Hex`. */
export function hashFileMatches(declared: string, sha256Hex: string): boolean {
  return normaliseHashFile(declared) === normaliseHashFile(sha256Hex);
}

/** A declared hash-file in the SDK's form: lowercase, leading zeros dropped. */
export function normaliseHashFile(declared: string): string {
  return declared
    .trim()
    .toLowerCase()
    .replace(/^0+(?=.)/, "");
}
