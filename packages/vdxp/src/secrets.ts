import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * System secrets at rest: AES-256-GCM under the hub's systems key (a 0600 file of 64 hex
 * digits that the gateway and the CLI read; the archive only ever stores sealed secrets).
 * Sealed form: `v1.<base64url iv>.<base64url tag>.<base64url ciphertext>`.
 */
export function parseSystemsKey(text: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error("the systems key file must hold 64 hex digits (32 bytes)");
  }
  return Buffer.from(hex, "hex");
}

/** A fresh system secret: 32 random bytes, base64url (43 characters). */
export function generateSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** `systemId` is bound as associated data: a sealed secret copied to another system fails. */
export function sealSecret(key: Buffer, systemId: string, secret: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(Buffer.from(systemId, "utf8"));
  const ct = Buffer.concat([c.update(secret, "utf8"), c.final()]);
  const parts = [iv, c.getAuthTag(), ct].map((b) => b.toString("base64url"));
  return `v1.${parts.join(".")}`;
}

/** The secret, or undefined when the sealed text is not one of `systemId` under this key. */
export function openSecret(key: Buffer, systemId: string, sealed: string): string | undefined {
  const [v, iv, tag, ct] = sealed.split(".");
  if (v !== "v1" || !iv || !tag || ct === undefined) return undefined;
  try {
    const d = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    d.setAAD(Buffer.from(systemId, "utf8"));
    d.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([d.update(Buffer.from(ct, "base64url")), d.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}
