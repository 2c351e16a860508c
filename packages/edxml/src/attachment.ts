import { EdxmlError, type EdxmlIssue } from "./errors.js";
import type { DetachedSizes } from "./packet.js";
import type { Attachment, ManifestReference } from "./types.js";
import { probeBase64, zipProblem } from "./zip.js";

const WHITESPACE = /[ \t\r\n]+/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decoded length of base64 text, or undefined when it is not base64. Line breaks and spaces are
 * allowed anywhere (MIME-style wrapping); missing "=" padding is tolerated.
 */
export function base64Size(encoded: string): number | undefined {
  const compact = encoded.replace(WHITESPACE, "");
  if (!BASE64.test(compact)) return undefined;
  const data = compact.replace(/=+$/, "");
  const padding = compact.length - data.length;
  if (data.length % 4 === 1) return undefined;
  if (padding > 0 && compact.length % 4 !== 0) return undefined;
  return Math.floor((data.length * 3) / 4);
}

/** The attachment's bytes (usually a zip), decoded on demand. */
export function decodeAttachment(a: Attachment): Buffer {
  const size = base64Size(a.encoded);
  if (size === undefined) {
    throw new EdxmlError("EDXML_INVALID", `attachment ${a.contentId} is not valid base64`, [
      { path: "ContentTransferEncoded", rule: "base64", message: "not valid base64" },
    ]);
  }
  return Buffer.from(a.encoded.replace(WHITESPACE, ""), "base64");
}

/** "cid:209" and "209" name the same part. */
export function normalizeContentId(raw: string): string {
  return raw.replace(/^cid:/i, "").trim();
}

function declaredZip(contentType: string | undefined): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === "application/zip";
}

/**
 * Every attachment declared `application/zip` (its own ContentType, else its manifest entry's)
 * must be a readable zip archive; ATTACHMENT_NOT_ZIP names each one that is not. A placeholder
 * standing for a detached text is read through its `read`.
 */
export function checkDeclaredZips(
  attachments: readonly Attachment[],
  manifest: readonly ManifestReference[],
  detached: DetachedSizes,
): void {
  const issues: EdxmlIssue[] = [];
  attachments.forEach((a, i) => {
    const type = a.contentType ?? manifest.find((m) => m.contentId === a.contentId)?.contentType;
    if (!declaredZip(type)) return;
    const run = detached.size > 0 ? detached.get(a.encoded.trim()) : undefined;
    const problem = zipProblem(probeBase64(run ? run.read() : [a.encoded]));
    if (problem === undefined) return;
    const name = a.name === undefined ? "" : ` (${a.name})`;
    issues.push({
      path: `AttachmentEncoded/Attachment[${i + 1}]/ContentTransferEncoded`,
      rule: "zip",
      message: `attachment cid:${a.contentId}${name} is declared application/zip but is not a zip archive: ${problem}`,
    });
  });
  if (issues.length > 0) {
    throw new EdxmlError("ATTACHMENT_NOT_ZIP", issues.map((x) => x.message).join("; "), issues);
  }
}
