import { createHash } from "node:crypto";

/**
 * `XroadVnpt-hash-file`: SHA-256 of the file as hex with leading zeros dropped, as Java's
 * `BigInteger.toString(16)` writes it (one digest in sixteen starts with a zero).
 */
export function hashFile(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").replace(/^0+(?=.)/, "");
}

/** Whether a declared hash-file (with or without its leading zeros, any case) names `bytes`. */
export function hashFileMatches(declared: string, bytes: Uint8Array): boolean {
  return normaliseHashFile(declared) === hashFile(bytes);
}

/** A declared hash-file in the SDK's form: lowercase, leading zeros dropped. */
export function normaliseHashFile(declared: string): string {
  return declared.trim().toLowerCase().replace(/^0+(?=.)/, "");
}

const CRLF = Buffer.from("\r\n");

/**
 * The file a `sendEdoc` body carries. The SDK appends CRLF after the edXML bytes: it is dropped
 * (once) so both doors store and deliver the same bytes. With a declared hash-file, the body is
 * the file if that is what the hash names (a client that sent no CRLF of its own); `undefined`
 * when the hash names neither.
 */
export function sentFile(body: Buffer, declaredHash?: string): Buffer | undefined {
  const stripped =
    body.length >= 2 && body.subarray(body.length - 2).equals(CRLF)
      ? body.subarray(0, body.length - 2)
      : body;
  if (declaredHash === undefined || declaredHash.trim() === "") return stripped;
  if (hashFileMatches(declaredHash, stripped)) return stripped;
  if (stripped !== body && hashFileMatches(declaredHash, body)) return body;
  return undefined;
}
