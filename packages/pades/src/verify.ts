import { createHash } from "node:crypto";
import { type TrustPolicy, verifyCertificate } from "@edoc/signature";
import type * as pkijs from "pkijs";
import { certificatePem, checkCms } from "./cms.js";
import { holderOf } from "./holder.js";
import type { PdfReason, PdfReport, PdfSignatureReport, PdfVerdict } from "./report.js";
import { type FoundSignature, findSignatures, pdfDate } from "./scan.js";

/** What a PDF is judged against: the hub's trust material and the validation instant. */
export interface PdfTrust {
  /** Anchors, intermediates, CRLs and allowSha1 as for XML signatures (policy.at is ignored). */
  readonly trust: TrustPolicy;
  /** Certificates and CRLs are judged as of this instant (the hub: the time it received the letter). */
  readonly at: Date;
}

const SUPPORTED = new Set(["adbe.pkcs7.detached", "ETSI.CAdES.detached"]);
/** More signatures than this in one PDF are not verified (each costs a CMS check and a path). */
export const MAX_SIGNATURES = 32;
/** Worst first: the PDF's verdict is the worst of its signatures'. */
const SEVERITY: PdfVerdict[] = [
  "PDF_DIGEST_MISMATCH",
  "PDF_SIGNATURE_INVALID",
  "PDF_CERT_REVOKED",
  "PDF_CERT_UNTRUSTED",
  "PDF_SIGNATURE_UNSUPPORTED",
];

/**
 * Verifies every signature of one PDF: the digest of its byte ranges, the CMS signature, the
 * signer's path to the trust anchors with validity and CRL revocation at `at` (the same path
 * builder as XML signatures: @edoc/signature's verifyCertificate), and whether bytes follow
 * the last signature. Never throws for a bad PDF: everything is a verdict.
 */
export async function verifyPdf(pdf: Uint8Array, path: string, opts: PdfTrust): Promise<PdfReport> {
  const about = {
    path,
    size: pdf.byteLength,
    sha256: createHash("sha256").update(pdf).digest("hex"),
    validatedAt: opts.at.toISOString(),
  };
  const found = findSignatures(pdf);
  if (found.length > MAX_SIGNATURES) {
    return {
      ...about,
      verdict: "PDF_SIGNATURE_UNSUPPORTED",
      signatures: [],
      modifiedAfterLastSignature: false,
      problem: `${found.length} signatures, more than the ${MAX_SIGNATURES} verified per PDF`,
    };
  }
  const signatures: PdfSignatureReport[] = [];
  for (const [i, sig] of found.entries()) signatures.push(await verifyOne(pdf, sig, i + 1, opts));
  const last = signatures[signatures.length - 1];
  const modifiedAfterLastSignature = last !== undefined && !last.coversWholeFile;
  const worst = SEVERITY.find((v) => signatures.some((s) => s.verdict === v));
  const verdict: PdfVerdict = !last
    ? "PDF_UNSIGNED"
    : (worst ??
      (modifiedAfterLastSignature ? "PDF_MODIFIED_AFTER_SIGNING" : "PDF_SIGNATURE_VALID"));
  return { ...about, verdict, signatures, modifiedAfterLastSignature };
}

async function verifyOne(
  pdf: Uint8Array,
  sig: FoundSignature,
  index: number,
  opts: PdfTrust,
): Promise<PdfSignatureReport> {
  const [a, b, c, d] = sig.byteRange;
  const report: PdfSignatureReport = {
    index,
    subFilter: sig.subFilter,
    verdict: "PDF_SIGNATURE_VALID",
    reasons: [],
    holder: "unknown",
    byteRange: sig.byteRange,
    coversWholeFile: c + d === pdf.byteLength,
    chain: [],
    revocation: "unchecked",
  };
  const claimed = sig.claimedTime ? pdfDate(sig.claimedTime) : undefined;
  if (claimed) {
    report.signingTime = claimed.toISOString();
    report.signingTimeSource = "dictionary";
  }
  const fail = (reason: PdfReason): PdfSignatureReport => {
    report.reasons.push(reason);
    report.verdict = reason.code;
    return report;
  };
  if (!SUPPORTED.has(sig.subFilter)) {
    return fail({
      code: "PDF_SIGNATURE_UNSUPPORTED",
      message: `/SubFilter ${sig.subFilter || "(none)"} is not adbe.pkcs7.detached or ETSI.CAdES.detached`,
    });
  }
  const content = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
  const cms = await checkCms(sig.contents, content, opts.trust.allowSha1 === true);
  if (!cms.ok) return fail({ code: cms.code, message: cms.message });
  if (cms.signingTime) {
    report.signingTime = cms.signingTime.toISOString();
    report.signingTimeSource = "signed-attribute";
  }
  report.holder = holderOf(cms.signer);
  await judgeCertificate(report, cms.signer, cms.certificates, opts);
  return report;
}

/** The signer's certificate under the hub's trust policy; its reasons become the verdict. */
async function judgeCertificate(
  report: PdfSignatureReport,
  signer: pkijs.Certificate,
  carried: pkijs.Certificate[],
  opts: PdfTrust,
): Promise<void> {
  const pem = certificatePem(signer);
  const cert = await verifyCertificate(pem, {
    ...opts.trust,
    intermediates: [...(opts.trust.intermediates ?? []), ...carried.map(certificatePem)],
    at: opts.at,
  });
  if (cert.certificate) {
    const { certificatePem: _pem, ...summary } = cert.certificate;
    report.signer = summary;
  }
  report.chain = cert.chain;
  report.revocation = cert.revocation;
  for (const r of cert.reasons) {
    const code: PdfVerdict =
      r.code === "CERT_REVOKED"
        ? "PDF_CERT_REVOKED"
        : /^(CERT|CRL|REVOCATION)_/.test(r.code)
          ? "PDF_CERT_UNTRUSTED"
          : "PDF_SIGNATURE_INVALID";
    report.reasons.push({ code, detail: r.code, message: r.message });
  }
  const worst = SEVERITY.find((v) => report.reasons.some((r) => r.code === v));
  if (worst) report.verdict = worst;
}
