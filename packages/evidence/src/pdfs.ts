import { decodeAttachment, type Letter } from "@edoc/edxml";
import { type PdfReport, verifyAttachments } from "@edoc/pades";
import type { Check } from "./verify.js";

/** What the bundle's report says of each PDF, re-verified offline. */
export interface BundlePdf {
  path: string;
  verdict: string;
  /** The verdict the hub recorded at submit (pdf-signatures.json), when the bundle carries it. */
  recordedVerdict?: string;
  signatures: { holder: string; verdict: string; signer?: string; coversWholeFile: boolean }[];
}

/** The part of the hub's recorded PdfCheck (pdf-signatures.json) the offline check compares. */
function recordedVerdicts(json: string | undefined): Map<string, string> | string | undefined {
  if (json === undefined) return undefined;
  try {
    const raw = JSON.parse(json) as { pdfs?: { path?: unknown; verdict?: unknown }[] };
    if (!Array.isArray(raw.pdfs)) return "pdf-signatures.json has no pdfs list";
    return new Map(raw.pdfs.map((p) => [String(p.path), String(p.verdict)]));
  } catch (err) {
    return `pdf-signatures.json is not JSON: ${(err as Error).message}`;
  }
}

/**
 * PAdES signatures of the letter's PDFs, verified again offline with the bundle's certificates
 * and CRLs at the acceptance time, and compared with what the hub recorded when it accepted
 * the letter. The check fails only when the two disagree (or the record is unreadable): an
 * unsigned PDF is a fact to report, the hub's policy decided what it meant.
 */
export async function checkPdfs(
  letter: Letter | undefined,
  recordedJson: string | undefined,
  trust: {
    trustAnchors: readonly string[];
    intermediates: string[];
    crls: string[];
    allowSha1: boolean;
  },
  at: Date,
): Promise<{ check: Check; pdfs: BundlePdf[] }> {
  const fail = (message: string) => ({
    check: { name: "pdf-signatures" as const, ok: false, code: "PDF_SIGNATURES" as const, message },
    pdfs: [],
  });
  // Reported by letter-signature already; PDFs cut from unverified bytes would prove nothing.
  if (!letter) {
    return {
      check: { name: "pdf-signatures", ok: true, message: "not run: the letter did not verify" },
      pdfs: [],
    };
  }
  const recorded = recordedVerdicts(recordedJson);
  if (typeof recorded === "string") return fail(recorded);
  const reports: PdfReport[] = await verifyAttachments(
    letter.attachments.map((a) => ({
      ...(a.name !== undefined ? { name: a.name } : {}),
      ...(a.contentType !== undefined ? { contentType: a.contentType } : {}),
      bytes: decodeAttachment(a),
    })),
    { trust, at },
  );
  const pdfs: BundlePdf[] = reports.map((r) => ({
    path: r.path,
    verdict: r.verdict,
    ...(recorded?.has(r.path) ? { recordedVerdict: recorded.get(r.path) } : {}),
    signatures: r.signatures.map((s) => ({
      holder: s.holder,
      verdict: s.verdict,
      ...(s.signer ? { signer: s.signer.subject } : {}),
      coversWholeFile: s.coversWholeFile,
    })),
  }));
  const problems = recorded
    ? [
        ...pdfs
          .filter((p) => p.recordedVerdict !== p.verdict)
          .map(
            (p) =>
              `${p.path} is ${p.verdict} offline, the hub recorded ${p.recordedVerdict ?? "nothing"}`,
          ),
        ...[...recorded.keys()]
          .filter((path) => !pdfs.some((p) => p.path === path))
          .map((path) => `the hub recorded ${path}, which the letter does not carry`),
      ]
    : [];
  if (problems.length > 0) return fail(problems.join("; "));
  const summary = pdfs.map((p) => `${p.path}: ${p.verdict}`).join("; ");
  return {
    check: {
      name: "pdf-signatures",
      ok: true,
      message:
        pdfs.length === 0
          ? "the letter carries no PDF"
          : `PDF signatures as of ${at.toISOString()}${recorded ? ", as the hub recorded them" : ""}: ${summary}`,
    },
    pdfs,
  };
}
