import { createHash } from "node:crypto";

/** Lower-case hex SHA-256 of bytes, or of a string's UTF-8 encoding. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** ISO-8601 UTC with milliseconds, exactly as Date.prototype.toISOString writes it. */
const ISO_UTC_MS = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/;

/** A real instant written as `toISOString()` writes it (so 2025-02-30 is rejected). */
export function isIsoUtcMs(s: unknown): s is string {
  if (typeof s !== "string" || !ISO_UTC_MS.test(s)) return false;
  const t = new Date(s);
  return !Number.isNaN(t.getTime()) && t.toISOString() === s;
}
