import type { OrganId } from "@edoc/directory";
import { decodeAttachment, type Letter } from "@edoc/edxml";
import type { PdfCheck, PdfRecord } from "@edoc/messages";
import {
  type AttachmentBytes,
  decidePdfPolicy,
  mayHoldPdf,
  type PdfPolicy,
  type PdfReport,
  verifyAttachments,
} from "@edoc/pades";
import type { TrustPolicy } from "@edoc/signature";
import type { PacketBody } from "./body.js";
import { ApiError } from "./errors.js";

/**
 * The signatures on the letter's PDFs (chữ ký số trên văn bản: the competent person's and the
 * agency's seal), judged with the same trust material and instant as the XML signature, and the
 * sending agency's PDF policy applied: refuse throws PDF_SIGNATURE_REQUIRED, warn flags.
 * Attachments are decoded one at a time (a spooled one from its run in the spool).
 */
export async function checkPdfs(
  letter: Letter,
  body: PacketBody,
  trust: TrustPolicy,
  at: Date,
  policy: PdfPolicy,
): Promise<PdfCheck> {
  const reports: PdfReport[] = [];
  for (const a of letter.attachments) {
    const about = {
      ...(a.name !== undefined ? { name: a.name } : {}),
      ...(a.contentType !== undefined ? { contentType: a.contentType } : {}),
    };
    // Only what may be a PDF or a zip is decoded (a 40 MB scan in TIFF is not).
    if (!mayHoldPdf({ ...about, bytes: attachmentHead(a, body) })) continue;
    const attachment: AttachmentBytes = { ...about, bytes: attachmentBytes(a, body) };
    reports.push(...(await verifyAttachments([attachment], { trust, at })));
  }
  const from = letter.header.from.organId as OrganId;
  const decision = decidePdfPolicy(policy, from, reports);
  if (decision.action === "refuse" && decision.failing.length > 0) {
    throw ApiError.of(
      "PDF_SIGNATURE_REQUIRED",
      `${from}'s policy requires a valid signature on every PDF: ${decision.failing
        .map((r) => `${r.path} is ${r.verdict}`)
        .join("; ")}`,
      { pdfs: decision.failing.map(record) },
    );
  }
  return {
    policy: decision.action,
    warning: decision.action === "warn" && decision.failing.length > 0,
    pdfs: reports.map(record),
  };
}

/** The run of a spooled attachment (its text was cut out of the skeleton), if it is one. */
function runOf(a: Letter["attachments"][number], body: PacketBody) {
  return body.kind === "spooled" ? body.runs.find((r) => r.token === a.encoded.trim()) : undefined;
}

/** The first 6 decoded bytes: enough for the PDF and zip magic numbers. */
function attachmentHead(a: Letter["attachments"][number], body: PacketBody): Buffer {
  const run = runOf(a, body);
  const text =
    run && body.kind === "spooled"
      ? body.spool.readRange(run.offset, Math.min(run.length, 64)).toString("latin1")
      : a.encoded.slice(0, 64);
  return Buffer.from(text.replace(/\s+/g, "").slice(0, 8), "base64");
}

function attachmentBytes(a: Letter["attachments"][number], body: PacketBody): Buffer {
  const run = runOf(a, body);
  if (run && body.kind === "spooled") {
    return Buffer.from(body.spool.readRange(run.offset, run.length).toString("latin1"), "base64");
  }
  return decodeAttachment(a);
}

/** What the letter's record keeps of a report: certificate paths are left to the evidence. */
function record(r: PdfReport): PdfRecord {
  return {
    ...r,
    signatures: r.signatures.map(({ chain: _chain, byteRange, ...s }) => ({
      ...s,
      byteRange: [...byteRange] as [number, number, number, number],
    })),
  };
}
