import { createHash } from "node:crypto";
import { normalizeSerial, UID_OID } from "@edoc/pki";
import { certificateFromDer, certificatesOfPem } from "./cache.js";
import { SignatureError } from "./errors.js";
import type { CertificateSummary } from "./report.js";
import { x509 } from "./x509.js";

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The DER bodies of every PEM block with one of these labels, or the whole value as base64 DER. */
export function pemBodies(value: string, ...labels: string[]): Uint8Array[] {
  const blocks = [...value.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) return [Buffer.from(value.replace(/\s+/g, ""), "base64")];
  return blocks
    .filter((m) => labels.includes(m[1] ?? ""))
    .map((m) => Buffer.from((m[2] ?? "").replace(/\s+/g, ""), "base64"));
}

/** Certificates of a trust-policy entry (a PEM bundle or base64 DER); unreadable is a config error. */
export function policyCertificates(
  values: readonly string[],
  field: string,
): x509.X509Certificate[] {
  return values.flatMap((value, i) =>
    certificatesOfPem(value, () => {
      const bodies = pemBodies(value, "CERTIFICATE");
      if (bodies.length === 0) {
        throw new SignatureError("TRUST_POLICY_INVALID", `${field}[${i}] holds no certificate`);
      }
      return bodies.map((der) => {
        try {
          return certificateFromDer(der);
        } catch {
          throw new SignatureError(
            "TRUST_POLICY_INVALID",
            `${field}[${i}] is not a readable certificate`,
          );
        }
      });
    }),
  );
}

/**
 * A name's DER and its text with UID spelled out (the library prints its OID otherwise).
 * Both re-encode the name on every call, and the CAs' names recur in every path, so they are
 * remembered per Name object (certificates themselves are cached, see cache.ts).
 */
function nameForms(name: x509.Name): { der: Buffer; text: string } {
  let forms = names.get(name);
  if (!forms) {
    const der = Buffer.from(name.toArrayBuffer());
    forms = { der, text: new x509.Name(der, { UID: UID_OID }).toString() };
    names.set(name, forms);
  }
  return forms;
}

const names = new WeakMap<x509.Name, { der: Buffer; text: string }>();

export function nameString(name: x509.Name): string {
  return nameForms(name).text;
}

export function summary(cert: x509.X509Certificate): CertificateSummary {
  return {
    subject: nameString(cert.subjectName),
    issuer: nameString(cert.issuerName),
    serialNumber: normalizeSerial(cert.serialNumber),
  };
}

export function fingerprintSha256(cert: x509.X509Certificate): string {
  return createHash("sha256").update(Buffer.from(cert.rawData)).digest("hex");
}

export function toPem(cert: x509.X509Certificate): string {
  return `${cert.toString("pem").replace(/\r\n/g, "\n").trimEnd()}\n`;
}

function bytesEqual(a: ArrayBuffer, b: ArrayBuffer): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

export function sameCertificate(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  return bytesEqual(a.rawData, b.rawData);
}

/** Name matching on the encoded names (as OpenSSL does after canonical re-encoding). */
export function sameName(a: x509.Name, b: x509.Name): boolean {
  const fa = nameForms(a);
  const fb = nameForms(b);
  return fa.der.equals(fb.der) || fa.text === fb.text;
}
