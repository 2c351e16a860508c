import { crlFromDer, crlsOfPem } from "./cache.js";
import { nameString, pemBodies, policyCertificates } from "./certs.js";

/** When a certificate stops being valid (hub, TLS and CA certificates watched by operators). */
export interface CertificateValidity {
  subject: string;
  notAfter: Date;
}

/** When a CRL was issued and when its issuer promised the next one (after that it is stale). */
export interface CrlValidity {
  issuer: string;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
}

/** The validity windows of every certificate in PEM texts (throws on an unreadable one). */
export function certificateValidity(pems: readonly string[]): CertificateValidity[] {
  return policyCertificates(pems, "certificates").map((c) => ({
    subject: nameString(c.subjectName),
    notAfter: c.notAfter,
  }));
}

/** The update times of every CRL in PEM texts; unreadable ones are left out. */
export function crlValidity(pems: readonly string[]): CrlValidity[] {
  return pems.flatMap((pem) => {
    try {
      return crlsOfPem(pem, () => pemBodies(pem, "X509 CRL", "CRL").map(crlFromDer)).map((crl) => ({
        issuer: nameString(crl.issuerName),
        thisUpdate: crl.thisUpdate,
        nextUpdate: crl.nextUpdate,
      }));
    } catch {
      return [];
    }
  });
}
