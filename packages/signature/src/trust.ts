import { X509Certificate } from "node:crypto";
import { SignatureError } from "./errors.js";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Trust material as a TrustPolicy wants it: self-signed roots apart from the CAs below them. */
export interface SortedTrust {
  trustAnchors: string[];
  intermediates: string[];
}

/**
 * Sorts the certificates of PEM bundles (a trust store, `--trust` files) into self-signed
 * anchors and intermediates — the one place that decides what counts as a root. `name` says
 * where each text came from, for the error.
 */
export function sortTrust(sources: readonly { name: string; text: string }[]): SortedTrust {
  const sorted: SortedTrust = { trustAnchors: [], intermediates: [] };
  for (const { name, text } of sources) {
    const pems = text.match(PEM_CERTIFICATE) ?? [];
    if (pems.length === 0)
      throw new SignatureError("TRUST_POLICY_INVALID", `${name} holds no PEM certificate`);
    for (const pem of pems) {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(pem);
      } catch {
        throw new SignatureError("TRUST_POLICY_INVALID", `${name} holds an unreadable certificate`);
      }
      const selfSigned = cert.subject === cert.issuer && cert.verify(cert.publicKey);
      (selfSigned ? sorted.trustAnchors : sorted.intermediates).push(`${pem}\n`);
    }
  }
  return sorted;
}
