// Live revocation (thu hồi chứng thư số): the certificate's own CRL distribution points and
// OCSP responder, reached through a caller-supplied RevocationSource (the I/O), judged here,
// under a per-CA policy for data that cannot be had.
import { fingerprintSha256, nameString, policyCertificates, sameName } from "./certs.js";
import { crlReasons, crlUsed, parseCrls, revokedReason } from "./crl.js";
import { ocspRequest, ocspVerdict } from "./ocsp.js";
import { type CrlUsed, type OcspUsed, type Reason, reason } from "./report.js";
import { x509 } from "./x509.js";

type Cert = x509.X509Certificate;

/** Where live revocation data comes from: the fetching, caching and HTTP are the caller's. */
export interface RevocationSource {
  /** The CRLs (PEM) currently held for these distribution point URLs, fetched if need be. */
  crls(urls: readonly string[]): Promise<readonly { url: string; pem: string }[]>;
  /** POSTs a DER OCSPRequest to the responder and resolves its DER answer (rejects if none). */
  ocsp(url: string, request: Uint8Array): Promise<Uint8Array>;
}

/** The http(s) CRL distribution points and OCSP responders a certificate names. */
export function revocationUrls(cert: Cert): { crl: string[]; ocsp: string[] } {
  const http = (v: string) => /^https?:\/\//i.test(v);
  const dp = cert.getExtension(x509.CRLDistributionPointsExtension);
  const crl = (dp?.distributionPoints ?? [])
    .flatMap((p) => p.distributionPoint?.fullName ?? [])
    .map((n) => n.uniformResourceIdentifier)
    .filter((u): u is string => u !== undefined && http(u));
  const aia = cert.getExtension(x509.AuthorityInfoAccessExtension);
  const ocsp = (aia?.ocsp ?? [])
    .filter((n) => n.type === "url")
    .map((n) => n.value)
    .filter(http);
  return { crl, ocsp };
}

/** The CRL distribution points named by the certificates of PEM texts (e.g. a trust store). */
export function crlUrlsOf(pems: readonly string[]): string[] {
  const urls = policyCertificates(pems, "certificates").flatMap((c) => revocationUrls(c).crl);
  return [...new Set(urls)];
}

export interface LiveResult {
  reasons: Reason[];
  warnings: Reason[];
  /** A definitive answer (good or revoked) came from a CRL or a responder. */
  checked: boolean;
  crlsUsed: CrlUsed[];
  ocspUsed: OcspUsed[];
}

/**
 * Checks `cert` (issued by `issuer`) against the sources it names: OCSP first (the freshest
 * word), then its CRLs. No definitive answer is REVOCATION_UNAVAILABLE, a refusal unless the
 * issuing CA's SHA-256 fingerprint is in `softFail`, where it becomes a recorded warning.
 * A certificate that names no source is left to the static CRLs.
 */
export async function liveRevocation(
  cert: Cert,
  issuer: Cert,
  at: Date,
  source: RevocationSource,
  softFail: readonly string[],
): Promise<LiveResult> {
  const result: LiveResult = {
    reasons: [],
    warnings: [],
    checked: false,
    crlsUsed: [],
    ocspUsed: [],
  };
  const urls = revocationUrls(cert);
  if (urls.crl.length === 0 && urls.ocsp.length === 0) return result;
  const problems: string[] = [];
  for (const url of urls.ocsp) {
    const verdict = await askResponder(url, cert, issuer, at, source);
    if (verdict.status === "unusable") {
      problems.push(`OCSP ${url}: ${verdict.why}`);
      continue;
    }
    result.checked = true;
    result.ocspUsed.push({
      responder: url,
      status: verdict.status,
      producedAt: verdict.producedAt.toISOString(),
    });
    if (verdict.status === "revoked" && verdict.revokedAt.getTime() <= at.getTime()) {
      result.reasons.push(
        reason(
          "CERT_REVOKED",
          `certificate ${nameString(cert.subjectName)} was revoked ${verdict.revokedAt.toISOString()} (OCSP ${url})`,
        ),
      );
    }
    return result;
  }
  if (urls.crl.length > 0) {
    const held = await source.crls(urls.crl).catch(() => []);
    for (const { url, pem } of held) {
      const { crls } = parseCrls([pem]);
      for (const crl of crls.filter((c) => sameName(c.issuerName, cert.issuerName))) {
        const unusable = await crlReasons(crl, issuer, at);
        if (unusable.length > 0) {
          problems.push(`CRL ${url}: ${unusable.map((r) => r.message).join("; ")}`);
          continue;
        }
        result.checked = true;
        result.crlsUsed.push(crlUsed(crl, url));
        const revoked = revokedReason(crl, cert, at);
        if (revoked) result.reasons.push(revoked);
      }
    }
    if (!result.checked && problems.length === 0) {
      const why = held.length === 0 ? "not fetched" : "no CRL of the certificate's issuer";
      problems.push(`CRL ${urls.crl.join(", ")}: ${why}`);
    }
  }
  if (result.checked) return result;
  const unavailable = reason(
    "REVOCATION_UNAVAILABLE",
    `no current revocation status for ${nameString(cert.subjectName)}: ${problems.join("; ")}`,
  );
  (softFail.includes(fingerprintSha256(issuer)) ? result.warnings : result.reasons).push(
    unavailable,
  );
  return result;
}

async function askResponder(
  url: string,
  cert: Cert,
  issuer: Cert,
  at: Date,
  source: RevocationSource,
) {
  const request = await ocspRequest(cert, issuer);
  let answer: Uint8Array;
  try {
    answer = await source.ocsp(url, request.der);
  } catch (err) {
    return {
      status: "unusable" as const,
      why: `unreachable (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  return ocspVerdict(answer, request, issuer, at);
}
