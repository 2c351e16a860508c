import { signedBy } from "./cache.js";
import { nameString, sameCertificate, sameName, summary } from "./certs.js";
import { crlReasons, crlUsed, keyUsage, parseCrls, revokedReason } from "./crl.js";
import { liveRevocation, type RevocationSource } from "./live.js";
import {
  type CertificateSummary,
  type CrlUsed,
  type OcspUsed,
  type Reason,
  reason,
} from "./report.js";
import type { x509 as X509Namespace } from "./x509.js";
import { x509 } from "./x509.js";

type Cert = X509Namespace.X509Certificate;

export interface PathInput {
  readonly signer: Cert;
  /** Untrusted CA candidates: the rest of KeyInfo and the policy's intermediates. */
  readonly intermediates: readonly Cert[];
  readonly anchors: readonly Cert[];
  readonly crls: readonly string[];
  readonly at: Date;
  /** Live CRLs and OCSP for certificates that name them (TrustPolicy.revocationSource). */
  readonly revocationSource?: RevocationSource;
  readonly revocationSoftFail?: readonly string[];
}

export interface PathResult {
  readonly chain: CertificateSummary[];
  readonly reasons: Reason[];
  readonly revocation: "checked" | "unchecked";
  readonly crlsUsed: CrlUsed[];
  readonly ocspUsed: OcspUsed[];
  readonly warnings: Reason[];
}

const MAX_DEPTH = 8;

function subjectOf(cert: Cert): string {
  return nameString(cert.subjectName);
}

/**
 * Depth-first search from the signer to a trust anchor: each step needs an issuer whose subject
 * matches the certificate's issuer name and whose key verifies the certificate's signature.
 */
async function buildPath(input: PathInput): Promise<Cert[] | undefined> {
  const isAnchor = (c: Cert) => input.anchors.some((a) => sameCertificate(a, c));
  const walk = async (path: Cert[]): Promise<Cert[] | undefined> => {
    const cert = path[path.length - 1]!;
    if (isAnchor(cert)) return path;
    if (path.length > MAX_DEPTH) return undefined;
    const candidates = [...input.anchors, ...input.intermediates].filter(
      (c) => sameName(c.subjectName, cert.issuerName) && !path.some((p) => sameCertificate(p, c)),
    );
    for (const issuer of candidates) {
      const signed = await signedBy(cert, issuer);
      if (!signed) continue;
      const found = await walk([...path, issuer]);
      if (found) return found;
    }
    return undefined;
  };
  return walk([input.signer]);
}

function validityReasons(cert: Cert, at: Date): Reason[] {
  if (at.getTime() < cert.notBefore.getTime()) {
    return [
      reason(
        "CERT_NOT_YET_VALID",
        `certificate ${subjectOf(cert)} is valid only from ${cert.notBefore.toISOString()} (validation time ${at.toISOString()})`,
      ),
    ];
  }
  if (at.getTime() > cert.notAfter.getTime()) {
    return [
      reason(
        "CERT_EXPIRED",
        `certificate ${subjectOf(cert)} expired ${cert.notAfter.toISOString()} (validation time ${at.toISOString()})`,
      ),
    ];
  }
  return [];
}

/** RFC 5280 6.1.4: issuers must be CAs allowed to sign certificates, within pathLen. */
function issuerReasons(path: readonly Cert[]): Reason[] {
  const reasons: Reason[] = [];
  for (let i = 1; i < path.length; i++) {
    const cert = path[i]!;
    const isAnchor = i === path.length - 1;
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    // A trust anchor is trusted by configuration; an old v1 root has no extensions at all.
    if ((bc === null && !isAnchor) || bc?.ca === false) {
      reasons.push(
        reason("CERT_UNTRUSTED", `issuer ${subjectOf(cert)} is not a CA (basicConstraints)`),
      );
    }
    const ku = keyUsage(cert);
    if (ku !== undefined && (ku & x509.KeyUsageFlags.keyCertSign) === 0) {
      reasons.push(
        reason("CERT_UNTRUSTED", `issuer ${subjectOf(cert)} may not sign certificates (keyUsage)`),
      );
    }
    const below = i - 1; // intermediate CAs between this one and the signer
    if (bc?.pathLength !== undefined && below > bc.pathLength) {
      reasons.push(
        reason(
          "CERT_UNTRUSTED",
          `issuer ${subjectOf(cert)} allows ${bc.pathLength} CAs below it, the path has ${below}`,
        ),
      );
    }
  }
  return reasons;
}

/**
 * Validates the signer's certificate path at `at`: chain to an anchor, validity of every
 * certificate, CA constraints on issuers, keyUsage of the signer and, for each non-anchor
 * certificate whose issuer's CRL is supplied, revocation. CRLs naming no issuer on the path
 * are ignored.
 */
export async function validatePath(input: PathInput): Promise<PathResult> {
  const { signer, at } = input;
  const reasons: Reason[] = [];
  const ku = keyUsage(signer);
  const signing = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation;
  if (ku !== undefined && (ku & signing) === 0) {
    reasons.push(
      reason(
        "CERT_USAGE",
        `certificate ${subjectOf(signer)} may not sign documents (keyUsage lacks digitalSignature and nonRepudiation)`,
      ),
    );
  }
  const path = await buildPath(input);
  if (!path) {
    return {
      chain: [summary(signer)],
      reasons: [
        ...reasons,
        reason("CERT_UNTRUSTED", `no certificate path from ${subjectOf(signer)} to a trust anchor`),
        ...validityReasons(signer, at),
      ],
      revocation: "unchecked",
      crlsUsed: [],
      ocspUsed: [],
      warnings: [],
    };
  }
  for (const cert of path) reasons.push(...validityReasons(cert, at));
  reasons.push(...issuerReasons(path));

  const parsed = parseCrls(input.crls);
  reasons.push(...parsed.reasons);
  const crlsUsed: CrlUsed[] = [];
  const ocspUsed: OcspUsed[] = [];
  const warnings: Reason[] = [];
  let signerChecked = false;
  for (let i = 0; i + 1 < path.length; i++) {
    const cert = path[i]!;
    const issuer = path[i + 1]!;
    let checked = false;
    for (const crl of parsed.crls.filter((c) => sameName(c.issuerName, cert.issuerName))) {
      const problems = await crlReasons(crl, issuer, at);
      if (problems.length > 0) {
        reasons.push(...problems);
        continue;
      }
      crlsUsed.push(crlUsed(crl));
      checked = true;
      const revoked = revokedReason(crl, cert, at);
      if (revoked) reasons.push(revoked);
    }
    if (input.revocationSource) {
      const live = await liveRevocation(
        cert,
        issuer,
        at,
        input.revocationSource,
        input.revocationSoftFail ?? [],
      );
      // A configured static CRL that answered already satisfies the policy.
      reasons.push(...live.reasons.filter((r) => !checked || r.code !== "REVOCATION_UNAVAILABLE"));
      if (!checked) warnings.push(...live.warnings);
      crlsUsed.push(...live.crlsUsed);
      ocspUsed.push(...live.ocspUsed);
      checked ||= live.checked;
    }
    if (i === 0) signerChecked = checked;
  }
  return {
    chain: path.map(summary),
    reasons,
    revocation: signerChecked ? "checked" : "unchecked",
    crlsUsed,
    ocspUsed,
    warnings,
  };
}
