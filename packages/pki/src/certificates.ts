import type { OrganId } from "@edoc/directory";
import { organUrn, UID_OID } from "./binding.js";
import { PkiError } from "./errors.js";
import { importPublicKey, importSigningKey, signingAlgorithmFor } from "./keys.js";
import { x509 } from "./x509.js";

/** Subject for an organization-level certificate; UID carries the OrganId when there is one. */
export function subjectName(
  organization: string,
  commonName: string,
  organId?: OrganId,
  title?: string,
): x509.JsonName {
  const name: x509.JsonName = [{ C: ["VN"] }, { O: [organization] }, { CN: [commonName] }];
  if (title !== undefined) name.push({ "2.5.4.12": [title] });
  if (organId !== undefined) name.push({ [UID_OID]: [organId] });
  return name;
}

export function organSan(organId: OrganId): x509.JsonGeneralName {
  return { type: "url", value: organUrn(organId) };
}

export interface CertificateRequest {
  readonly serialNumber: string;
  readonly subject: x509.JsonName;
  readonly publicKeyPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: x509.Extension[];
  /** Absent for a self-signed certificate. */
  readonly issuer?: { readonly certificatePem: string; readonly privateKeyPem: string };
  /** The key that signs a self-signed certificate. */
  readonly selfSigningKeyPem?: string;
}

/** Builds and signs one certificate; adds the key identifiers every chain builder relies on. */
export async function buildCertificate(req: CertificateRequest): Promise<x509.X509Certificate> {
  if (!(req.notAfter.getTime() > req.notBefore.getTime())) {
    throw new PkiError(
      "VALIDITY_INVALID",
      `notAfter ${req.notAfter.toISOString()} must be after notBefore ${req.notBefore.toISOString()}`,
    );
  }
  const publicKey = await importPublicKey(req.publicKeyPem);
  const issuerCert = req.issuer ? new x509.X509Certificate(req.issuer.certificatePem) : undefined;
  const signingPem = req.issuer?.privateKeyPem ?? req.selfSigningKeyPem;
  if (signingPem === undefined) throw new Error("buildCertificate: no signing key");
  const signing = await importSigningKey(signingPem);
  const subject = new x509.Name(req.subject);
  const extensions = [
    ...req.extensions,
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(
      issuerCert ? issuerCert.publicKey : publicKey,
    ),
  ];
  return x509.X509CertificateGenerator.create({
    serialNumber: req.serialNumber,
    subject,
    // The issuer's encoded name, byte for byte, so name chaining never depends on re-encoding.
    issuer: issuerCert ? issuerCert.subjectName : subject,
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    publicKey,
    signingKey: signing.key,
    signingAlgorithm: signingAlgorithmFor(signing.algorithm),
    extensions,
  });
}
