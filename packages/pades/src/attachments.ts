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
 * The PDFs a letter carries: attachments that are PDFs by name, content type or magic bytes,
 * and PDF entries of zip attachments (how the VPCP SDK ships files), as `name!/entry`.
 * A zip that cannot be read, or whose PDF entries exceed the bounds, yields no entry from it.
 */
export function pdfsOf(
  attachments: readonly AttachmentBytes[],
): { path: string; bytes: Uint8Array }[] {
  const out: { path: string; bytes: Uint8Array }[] = [];
  for (const [i, a] of attachments.entries()) {
    const name = a.name ?? `attachment-${i + 1}`;
    if (looksPdf(a)) out.push({ path: name, bytes: a.bytes });
    else if (isZip(a)) {
      for (const [entry, bytes] of Object.entries(unzipPdfs(a.bytes))) {
        out.push({ path: `${name}!/${entry}`, bytes });
      }
    }
  }
  return out;
}

function unzipPdfs(zip: Uint8Array): Record<string, Uint8Array> {
  let total = 0;
  try {
    return unzipSync(zip, {
      filter(info) {
        if (!isPdfName(info.name) || info.originalSize > MAX_ENTRY_BYTES) return false;
        total += info.originalSize;
        return total <= MAX_TOTAL_BYTES;
      },
    });
  } catch {
    return {};
  }
}

/** verifyPdf for every PDF of a letter's attachments, in attachment order. */
export async function verifyAttachments(
  attachments: readonly AttachmentBytes[],
  opts: PdfTrust,
): Promise<PdfReport[]> {
  const reports: PdfReport[] = [];
  for (const pdf of pdfsOf(attachments)) reports.push(await verifyPdf(pdf.bytes, pdf.path, opts));
  return reports;
}
