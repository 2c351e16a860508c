import { isOrganId, type OrganId } from "@edoc/directory";
import { quote, ReceiptError } from "./errors.js";
import { isIsoUtcMs, SHA256_HEX } from "./hash.js";

/**
 * What the hub answers to POST /documents (biên nhận tiếp nhận): proof for the sending
 * agency that these exact bytes were received at that moment, under that receipt.
 */
export interface AcceptanceReceipt {
  hubDocumentId: string;
  documentId: string;
  from: OrganId;
  to: OrganId[];
  /** sha256 hex of the exact bytes received */
  digest: string;
  /** ISO-8601 UTC with milliseconds */
  receivedAt: string;
  receiptId: string;
}

export const ACCEPTANCE_RECEIPT_NS = "urn:edoc-hub:receipt:1";
const SHA256_URI = "http://www.w3.org/2001/04/xmlenc#sha256";

function invalid(field: string, problem: string): ReceiptError {
  return new ReceiptError(
    "ACCEPTANCE_RECEIPT_INVALID",
    `acceptance receipt ${field} ${problem}`,
    field,
  );
}

/** XML 1.0 Char production: tab, LF, CR, and everything from U+0020 but surrogates, U+FFFE/F. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** How a carriage return is written: a character reference in either form. */
type CrReference = "&#13;" | "&#xD;";

function escapeText(value: string, field: string, cr: CrReference): string {
  if (typeof value !== "string" || value === "") throw invalid(field, "must be a non-empty string");
  const bad = NOT_XML_CHAR.exec(value);
  if (bad) {
    const cp = bad[0].codePointAt(0) ?? 0;
    throw invalid(
      field,
      `contains U+${cp.toString(16).toUpperCase().padStart(4, "0")}, not allowed in XML`,
    );
  }
  // CR as a reference, or an XML parser would turn it into LF and change the signed text.
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll("\r", cr);
}

function organId(value: OrganId, field: string): string {
  if (!isOrganId(value)) throw invalid(field, `${quote(value)} is not a canonical organ id`);
  return value;
}

/**
 * The receipt as a small namespaced XML document, byte-for-byte deterministic for the same
 * input (fixed element order and indentation, UTF-8, no trailing newline), ready for the
 * gateway to sign with an enveloped XML-DSig. The digest is written in hex, as elsewhere
 * in the hub, not base64 as in a DigestValue.
 */
export function acceptanceReceiptXml(r: AcceptanceReceipt): string {
  return `${DECLARATION}\n${receiptElement(r, "&#13;")}`;
}

/**
 * The same receipt as the gateway signs it without parsing it (signCanonicalRemote of
 * @edoc/signature): the text as an XML serializer writes it back (a carriage return as `&#xD;`)
 * and its exclusive C14N form, which for this template is the same text without the
 * declaration: one default namespace declared on the root, no attribute but a fixed URI, and
 * values escaped exactly as C14N escapes text (`&amp;`, `&lt;`, `&gt;`, `&#xD;`).
 */
export function acceptanceReceiptTemplate(r: AcceptanceReceipt): {
  xml: string;
  canonical: string;
} {
  const canonical = receiptElement(r, "&#xD;");
  return { xml: `${DECLARATION}\n${canonical}`, canonical };
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

function receiptElement(r: AcceptanceReceipt, cr: CrReference): string {
  // A status packet's counterpart is decided by the archive, so its receipt may list none.
  if (!Array.isArray(r.to)) throw invalid("to", "must be a list of organ ids");
  if (typeof r.digest !== "string" || !SHA256_HEX.test(r.digest)) {
    throw invalid("digest", `${quote(r.digest)} is not a lower-case SHA-256 hex digest`);
  }
  if (!isIsoUtcMs(r.receivedAt)) {
    throw invalid("receivedAt", `${quote(r.receivedAt)} is not ISO-8601 UTC with milliseconds`);
  }
  const lines = [
    `<AcceptanceReceipt xmlns="${ACCEPTANCE_RECEIPT_NS}">`,
    `  <ReceiptId>${escapeText(r.receiptId, "receiptId", cr)}</ReceiptId>`,
    `  <HubDocumentId>${escapeText(r.hubDocumentId, "hubDocumentId", cr)}</HubDocumentId>`,
    `  <DocumentId>${escapeText(r.documentId, "documentId", cr)}</DocumentId>`,
    `  <From>${organId(r.from, "from")}</From>`,
    "  <ToList>",
    ...r.to.map((id, i) => `    <To>${organId(id, `to[${i}]`)}</To>`),
    "  </ToList>",
    `  <Digest Algorithm="${SHA256_URI}">${r.digest}</Digest>`,
    `  <ReceivedAt>${r.receivedAt}</ReceivedAt>`,
    "</AcceptanceReceipt>",
  ];
  return lines.join("\n");
}
