import type { KeyObject } from "node:crypto";
import { x509 } from "./x509.js";

/**
 * Parsed X.509 objects and signature checks, remembered by their exact bytes. A hub verifies
 * thousands of letters from the same agencies under the same CAs and CRLs: parsing each
 * certificate and re-checking each CA signature per letter was most of the gateway's CPU.
 * Everything cached here is a pure function of the bytes (no validation time is involved),
 * so caching changes no verdict. Bounded: least recently used entries go first.
 */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string, make: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const value = make();
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
    return value;
  }
}

const certificates = new Lru<x509.X509Certificate>(2_000);
const crls = new Lru<x509.X509Crl>(200);
const verdicts = new Lru<Promise<boolean>>(4_000);
const keys = new Lru<KeyObject>(64);

const keyOf = (der: Uint8Array | ArrayBuffer): string =>
  Buffer.from(der as Uint8Array).toString("base64");

/** A certificate from its DER (throws, uncached, when unreadable). */
export function certificateFromDer(der: Uint8Array): x509.X509Certificate {
  return certificates.get(keyOf(der), () => new x509.X509Certificate(der));
}

/** A CRL from its DER (throws, uncached, when unreadable). */
export function crlFromDer(der: Uint8Array): x509.X509Crl {
  return crls.get(keyOf(der), () => new x509.X509Crl(der));
}

/** Whether `issuer`'s key signed `item` (a certificate or a CRL), checked once per pair. */
export function signedBy(
  item: x509.X509Certificate | x509.X509Crl,
  issuer: x509.X509Certificate,
): Promise<boolean> {
  const key = `${keyOf(item.rawData)}|${keyOf(issuer.publicKey.rawData)}`;
  return verdicts.get(key, () =>
    item instanceof x509.X509Crl
      ? item.verify({ publicKey: issuer }).catch(() => false)
      : item.verify({ publicKey: issuer.publicKey, signatureOnly: true }).catch(() => false),
  );
}

/** A Node key object made once per distinct key material (PEM text or DER). */
export function keyObject(material: string, make: () => KeyObject): KeyObject {
  return keys.get(material, make);
}
