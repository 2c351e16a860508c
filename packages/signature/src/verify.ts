import { createPublicKey, type KeyObject } from "node:crypto";
import { decodeInput, parseXml } from "@edoc/edxml";
import { organIdsOf } from "@edoc/pki";
import type { Document, Element } from "@xmldom/xmldom";
import { algorithmName } from "./algorithms.js";
import { certificateFromDer, keyObject } from "./cache.js";
import { fingerprintSha256, pemBodies, policyCertificates, summary, toPem } from "./certs.js";
import { checkSignatureValue } from "./check.js";
import type { DetachedTexts } from "./detached.js";
import { checkWithLibrary } from "./library-check.js";
import { validatePath } from "./path.js";
import {
  type Reason,
  reason,
  type SignerInfo,
  type TrustPolicy,
  type VerificationReport,
} from "./report.js";
import {
  checkShape,
  foreignSignatureContent,
  locateSignature,
  type Placement,
  unsignedComment,
} from "./structure.js";
import type { x509 } from "./x509.js";
import { checkSignedProperties, locateSignedProperties } from "./xades.js";

/** What parseXml already validated (size included), as text for the library check (which parses on its own). */
function decoded(input: string | Uint8Array): string {
  return decodeInput(input, Number.POSITIVE_INFINITY);
}

function publicKeyOf(cert: x509.X509Certificate): KeyObject {
  const der = Buffer.from(cert.publicKey.rawData);
  return keyObject(der.toString("base64"), () =>
    createPublicKey({ key: der, format: "der", type: "spki" }),
  );
}

/** What a report says about a certificate: its summary, bound OrganIds, validity, PEM. */
function signerInfo(cert: x509.X509Certificate): SignerInfo {
  const pem = toPem(cert);
  return {
    ...summary(cert),
    organIds: organIdsOf(pem),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    fingerprintSha256: fingerprintSha256(cert),
    certificatePem: pem,
  };
}

/** The hub's policy floor (RSA at least 2048 bits, per the signature-format circular). */
function keyStrength(key: KeyObject): Reason[] {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  return key.asymmetricKeyType === "rsa" && bits !== undefined && bits < 2048
    ? [
        reason(
          "SIGNATURE_ALGORITHM_FORBIDDEN",
          `the signer's RSA key has ${bits} bits; at least 2048 are required`,
        ),
      ]
    : [];
}

/**
 * How the XML-DSig core validation runs: on the verifier's own DOM (check.ts, the default), or
 * through xml-crypto's full checkSignature (library-check.ts: the reference the parse-once
 * check is compared with in tests and the benchmark; no caller judges packets with it).
 */
export type Engine = "parse-once" | "library";

/** A report and the DOM it was made from (the one parse of the input). */
export interface Verified {
  readonly report: VerificationReport;
  readonly doc: Document;
  /** The Signature element checked, once the signature cryptographically covers the document. */
  readonly signature?: Element;
}

export async function verifyDocument(
  input: string | Uint8Array,
  policy: TrustPolicy,
  placement: Placement,
  detached?: DetachedTexts,
  engine: Engine = "parse-once",
): Promise<Verified> {
  const anchors = policyCertificates(policy.trustAnchors, "trustAnchors");
  const intermediates = policyCertificates(policy.intermediates ?? [], "intermediates");
  const doc = parseXml(input, policy.limits);
  const report: VerificationReport = {
    valid: false,
    reasons: [],
    legacySha1: false,
    chain: [],
    revocation: "unchecked",
    crlsUsed: [],
  };
  const fail = (r: Reason): Verified => {
    report.reasons.push(r);
    return { report, doc };
  };

  const located = locateSignature(doc, placement);
  if (!located.ok) return fail(located.reason);
  const checked = checkShape(located.element, policy.allowSha1 === true);
  report.legacySha1 = checked.legacySha1;
  if (checked.signatureMethod) report.algorithm = algorithmName(checked.signatureMethod);
  if (!checked.ok) return fail(checked.reason);
  const { shape } = checked;
  if (policy.strictSignatureContent === true) {
    const unsigned = foreignSignatureContent(shape.element) ?? unsignedComment(doc);
    if (unsigned) return fail(unsigned);
  }
  const signedProperties = shape.signedProperties
    ? locateSignedProperties(doc, shape.element, shape.signedProperties.id)
    : undefined;
  if (signedProperties && !signedProperties.ok) return fail(signedProperties.reason);

  const certs: x509.X509Certificate[] = [];
  for (const [i, b64] of shape.certificates.entries()) {
    try {
      certs.push(certificateFromDer(Buffer.from(b64, "base64")));
    } catch {
      return fail(
        reason(
          "SIGNATURE_MALFORMED",
          `KeyInfo X509Certificate #${i + 1} is not a readable certificate`,
        ),
      );
    }
  }
  if (certs.length === 0) {
    return fail(
      reason("CERT_MISSING", "KeyInfo carries no X509Certificate; the signer cannot be identified"),
    );
  }

  const keys = certs.map(publicKeyOf);
  const outcome =
    engine === "library"
      ? checkWithLibrary(decoded(input), shape, keys, detached)
      : checkSignatureValue(
          doc.documentElement!,
          shape,
          signedProperties?.ok ? signedProperties.element : undefined,
          keys,
          detached,
        );
  if (!outcome.ok) return fail(reason(outcome.code, outcome.message));
  report.signedXml = outcome.signedXml;

  const signer = certs[outcome.signerIndex]!;
  const info = signerInfo(signer);
  report.signer = info;
  report.reasons.push(...keyStrength(keys[outcome.signerIndex]!));

  // XAdES-BES: the signed SigningTime and the SigningCertificate binding. The signing time is
  // the signer's claim; it becomes the validation time only when the policy names none.
  let signingTime: Date | undefined;
  if (signedProperties?.ok) {
    const xades = checkSignedProperties(
      signedProperties.element,
      signer,
      policy.allowSha1 === true,
    );
    report.xades = xades.info;
    report.legacySha1 ||= xades.legacySha1;
    report.reasons.push(...xades.reasons);
    signingTime = xades.signingTime;
  }
  const at = policy.at ?? signingTime ?? new Date();
  report.validatedAt = at.toISOString();

  const path = await validatePath({
    signer,
    intermediates: [...certs.filter((c) => c !== signer), ...intermediates],
    anchors,
    crls: policy.crls ?? [],
    at,
    ...liveOptions(policy),
  });
  report.chain = path.chain;
  report.revocation = path.revocation;
  report.crlsUsed = path.crlsUsed;
  if (path.ocspUsed.length > 0) report.ocspUsed = path.ocspUsed;
  if (path.warnings.length > 0) report.warnings = path.warnings;
  report.reasons.push(...path.reasons);

  if (policy.expectedOrganId !== undefined && !info.organIds.includes(policy.expectedOrganId)) {
    report.reasons.push(
      reason(
        "SIGNER_NOT_BOUND",
        `the signer's certificate is bound to [${info.organIds.join(", ")}], not to ${policy.expectedOrganId}`,
      ),
    );
  }
  report.valid = report.reasons.length === 0;
  return { report, doc, signature: shape.element };
}

/**
 * Verifies the one XML-DSig Signature of an edXML packet (a child of edXMLHeader) and the
 * signer's certificate path under `policy`. A bad signature or certificate is a reason in the
 * report, never an exception; input that is not well-formed, safe XML throws parseXml's
 * EdxmlError, and an unusable policy throws SignatureError TRUST_POLICY_INVALID. With
 * `detached`, `xml` is a skeleton and the runs are hashed in place (see checkSignatureValue).
 */
export async function verifyEdxml(
  xml: string | Uint8Array,
  policy: TrustPolicy,
  detached?: DetachedTexts,
): Promise<VerificationReport> {
  return (await verifyDocument(xml, policy, "edxml-header", detached)).report;
}

/** The same checks for a document signed with signXml: the Signature is a child of the root. */
export async function verifyXml(
  xml: string | Uint8Array,
  policy: TrustPolicy,
): Promise<VerificationReport> {
  return (await verifyDocument(xml, policy, "document-element")).report;
}

/** The outcome of validating one certificate on its own (verifyCertificate). */
export interface CertificateVerification {
  /** True when there is no reason: readable, path to an anchor, validity, revocation, usage. */
  valid: boolean;
  reasons: Reason[];
  certificate?: SignerInfo;
  /** The certificate first, trust anchor last. */
  chain: VerificationReport["chain"];
  revocation: VerificationReport["revocation"];
  crlsUsed: VerificationReport["crlsUsed"];
  ocspUsed?: VerificationReport["ocspUsed"];
  warnings?: VerificationReport["warnings"];
  /** ISO 8601: policy.at, or now. */
  validatedAt: string;
}

/**
 * Validates a certificate that signs something other than XML-DSig (the hub's certificate, for
 * its chain heads and receipts) exactly as a signer's: path to one of `policy.trustAnchors`
 * through `policy.intermediates`, validity and CRL revocation at `policy.at` (default now),
 * CA constraints, keyUsage (digitalSignature or nonRepudiation). An unreadable certificate is a
 * CERT_MISSING reason, never an exception; an unusable policy throws TRUST_POLICY_INVALID.
 */
export async function verifyCertificate(
  certificatePem: string,
  policy: TrustPolicy,
): Promise<CertificateVerification> {
  const anchors = policyCertificates(policy.trustAnchors, "trustAnchors");
  const intermediates = policyCertificates(policy.intermediates ?? [], "intermediates");
  const at = policy.at ?? new Date();
  const base = { chain: [], revocation: "unchecked" as const, crlsUsed: [] };
  let cert: x509.X509Certificate;
  try {
    const [der] = pemBodies(certificatePem, "CERTIFICATE");
    if (der === undefined) throw new Error("no certificate");
    cert = certificateFromDer(der);
  } catch {
    return {
      ...base,
      valid: false,
      reasons: [reason("CERT_MISSING", "the certificate is not a readable PEM certificate")],
      validatedAt: at.toISOString(),
    };
  }
  const path = await validatePath({
    signer: cert,
    intermediates,
    anchors,
    crls: policy.crls ?? [],
    at,
    ...liveOptions(policy),
  });
  const reasons = [...keyStrength(publicKeyOf(cert)), ...path.reasons];
  return {
    valid: reasons.length === 0,
    reasons,
    certificate: signerInfo(cert),
    chain: path.chain,
    revocation: path.revocation,
    crlsUsed: path.crlsUsed,
    ...(path.ocspUsed.length > 0 ? { ocspUsed: path.ocspUsed } : {}),
    ...(path.warnings.length > 0 ? { warnings: path.warnings } : {}),
    validatedAt: at.toISOString(),
  };
}

function liveOptions(policy: TrustPolicy) {
  return {
    ...(policy.revocationSource ? { revocationSource: policy.revocationSource } : {}),
    ...(policy.revocationSoftFail ? { revocationSoftFail: policy.revocationSoftFail } : {}),
  };
}
