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
/** Signature verdicts per item and issuer object; they go when the objects do. */
const verdicts = new WeakMap<object, WeakMap<object, Promise<boolean>>>();
const keys = new Lru<KeyObject>(64);
// Keyed by the PEM text itself: the trust store hands the same strings to every verification,
// and V8 hashes a string once.
const pemCertificates = new Lru<x509.X509Certificate[]>(256);
const pemCrls = new Lru<x509.X509Crl[]>(64);

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
  // Keyed by the (cached, so recurring) objects: no re-encoding of a large CRL per check.
  let byIssuer = verdicts.get(item);
  if (!byIssuer) {
    byIssuer = new WeakMap();
    verdicts.set(item, byIssuer);
  }
  let verdict = byIssuer.get(issuer);
  if (!verdict) {
    verdict =
      item instanceof x509.X509Crl
        ? item.verify({ publicKey: issuer }).catch(() => false)
        : item.verify({ publicKey: issuer.publicKey, signatureOnly: true }).catch(() => false);
    byIssuer.set(issuer, verdict);
  }
  return verdict;
}

/** A Node key object made once per distinct key material (PEM text or DER). */
export function keyObject(material: string, make: () => KeyObject): KeyObject {
  return keys.get(material, make);
}

/**
 * The certificates of one PEM text, parsed once per distinct text (`parse` throws, uncached,
 * when the text is unusable).
 */
export function certificatesOfPem(
  pem: string,
  parse: () => x509.X509Certificate[],
): x509.X509Certificate[] {
  return pemCertificates.get(pem, parse);
}

/** The CRLs of one PEM text, parsed once per distinct text (as certificatesOfPem). */
export function crlsOfPem(pem: string, parse: () => x509.X509Crl[]): x509.X509Crl[] {
  return pemCrls.get(pem, parse);
}
