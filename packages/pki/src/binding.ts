import { isOrganId, type OrganId } from "@edoc/directory";
import { PkiError } from "./errors.js";
import { x509 } from "./x509.js";

/**
 * How a certificate names the agency it speaks for. Issued certificates carry both forms; a
 * reader takes the SubjectAltName URIs and falls back to the subject UID only when no SAN URI
 * yields a well-formed OrganId (certificates from other CAs often put the code only there).
 */
export const ORGAN_URN_PREFIX = "urn:vn:gov:organ:";
/** userId (UID), RFC 4519. */
export const UID_OID = "0.9.2342.19200300.100.1.1";

export function organUrn(organId: OrganId): string {
  return `${ORGAN_URN_PREFIX}${organId}`;
}

export function parseCertificate(certificate: string | Uint8Array, what = "certificate") {
  try {
    return new x509.X509Certificate(certificate as string);
  } catch {
    throw new PkiError("CERT_INVALID", `${what} is not a readable X.509 certificate`);
  }
}

function sanUris(cert: x509.X509Certificate): string[] {
  let san: x509.SubjectAlternativeNameExtension | null;
  try {
    san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  } catch {
    // A SAN with name forms the library cannot decode (otherName, x400...) holds no organ URI we
    // could read; the subject UID fallback still applies.
    return [];
  }
  return (san?.names.items ?? []).filter((n) => n.type === "url").map((n) => n.value);
}

/**
 * The OrganIds a certificate (PEM or base64 DER) is bound to, well-formed ones only.
 * Remembered per certificate: the gateway asks for every request and every signature.
 */
export function organIdsOf(certificatePem: string): OrganId[] {
  const known = bindings.get(certificatePem);
  if (known) return [...known];
  const ids = readOrganIds(certificatePem);
  if (bindings.size >= 2_000) bindings.clear();
  bindings.set(certificatePem, ids);
  return [...ids];
}

const bindings = new Map<string, readonly OrganId[]>();

function readOrganIds(certificatePem: string): OrganId[] {
  const cert = parseCertificate(certificatePem);
  const fromSan = sanUris(cert)
    .filter((uri) => uri.startsWith(ORGAN_URN_PREFIX))
    .map((uri) => uri.slice(ORGAN_URN_PREFIX.length))
    .filter(isOrganId);
  const ids = fromSan.length > 0 ? fromSan : cert.subjectName.getField(UID_OID).filter(isOrganId);
  return [...new Set(ids)];
}
