import { unzipSync } from "fflate";
import type { PdfReport } from "./report.js";
import { type PdfTrust, verifyPdf } from "./verify.js";

/** An attachment as the letter carries it, decoded. */
export interface AttachmentBytes {
  readonly name?: string;
  readonly contentType?: string;
  readonly bytes: Uint8Array;
}

/** Bounds on what is unpacked from a zip attachment (the hub takes letters up to 45 MiB). */
const MAX_ENTRY_BYTES = 256 * 1024 * 1024;
const MAX_TOTAL_BYTES = 512 * 1024 * 1024;
/** PDFs judged per letter (the record holds at most this many). */
export const MAX_PDFS = 1000;
const PDF_MAGIC = "%PDF-";

function isPdfName(name: string | undefined): boolean {
  return name !== undefined && /\.pdf$/i.test(name);
}

function isZip(a: AttachmentBytes): boolean {
  return (
    /\.zip$/i.test(a.name ?? "") ||
    /zip/i.test(a.contentType ?? "") ||
    (a.bytes[0] === 0x50 && a.bytes[1] === 0x4b && a.bytes[2] === 0x03 && a.bytes[3] === 0x04)
  );
}

function looksPdf(a: AttachmentBytes): boolean {
  return (
    isPdfName(a.name) ||
    /pdf/i.test(a.contentType ?? "") ||
    Buffer.from(a.bytes.subarray(0, 5)).toString("latin1") === PDF_MAGIC
  );
}

/**
 * Whether an attachment may be or hold a PDF, from its name, content type and first bytes
 * (at least 5): callers holding attachments encoded skip decoding the others.
 */
export function mayHoldPdf(a: AttachmentBytes): boolean {
  return looksPdf(a) || isZip(a);
}

/** A PDF to verify, or a place where PDFs could not be read (reported, never skipped silently). */
export type FoundPdf = { path: string; bytes: Uint8Array } | { path: string; problem: string };

/**
 * The PDFs a letter carries: attachments that are PDFs by name, content type or magic bytes,
 * and PDF entries of zip attachments (how the VPCP SDK ships files), as `name!/entry`. A zip
 * that cannot be read, PDF entries beyond the bounds and PDFs beyond MAX_PDFS become problem
 * entries, so a policy that requires signed PDFs cannot be passed by hiding one.
 */
export function pdfsOf(attachments: readonly AttachmentBytes[]): FoundPdf[] {
  const out: FoundPdf[] = [];
  for (const [i, a] of attachments.entries()) {
    const name = a.name ?? `attachment-${i + 1}`;
    if (looksPdf(a)) out.push({ path: name, bytes: a.bytes });
    else if (isZip(a)) out.push(...unzipPdfs(name, a.bytes));
  }
  if (out.length <= MAX_PDFS) return out;
  return [
    ...out.slice(0, MAX_PDFS),
    {
      path: `(${out.length - MAX_PDFS} more)`,
      problem: `more than ${MAX_PDFS} PDFs in one letter`,
    },
  ];
}

function unzipPdfs(name: string, zip: Uint8Array): FoundPdf[] {
  let total = 0;
  const tooLarge: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter(info) {
        if (!isPdfName(info.name)) return false;
        total += info.originalSize;
        const fits = info.originalSize <= MAX_ENTRY_BYTES && total <= MAX_TOTAL_BYTES;
        if (!fits) tooLarge.push(info.name);
        return fits;
      },
    });
  } catch (err) {
    return [{ path: name, problem: `the zip cannot be read: ${(err as Error).message}` }];
  }
  return [
    ...Object.entries(files).map(([entry, bytes]) => ({ path: `${name}!/${entry}`, bytes })),
    ...tooLarge.map((entry) => ({
      path: `${name}!/${entry}`,
      problem: "beyond the unpacking bounds (256 MiB per PDF, 512 MiB per zip)",
    })),
  ];
}

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** verifyPdf for every PDF of a letter's attachments, in attachment order. */
export async function verifyAttachments(
  attachments: readonly AttachmentBytes[],
  opts: PdfTrust,
): Promise<PdfReport[]> {
  const reports: PdfReport[] = [];
  for (const pdf of pdfsOf(attachments)) {
    reports.push(
      "bytes" in pdf
        ? await verifyPdf(pdf.bytes, pdf.path, opts)
        : {
            path: pdf.path,
            size: 0,
            sha256: EMPTY_SHA256,
            verdict: "PDF_SIGNATURE_UNSUPPORTED",
            signatures: [],
            modifiedAfterLastSignature: false,
            validatedAt: opts.at.toISOString(),
            problem: pdf.problem,
          },
    );
  }
  return reports;
}
