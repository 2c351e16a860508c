import { DOMParser, type Document, type Node } from "@xmldom/xmldom";
import { EdxmlError, type SourcePosition } from "./errors.js";
import { type Limits, resolveLimits } from "./limits.js";
import { checkProlog, scanMarkup } from "./prescan.js";
import { at, decodeInput } from "./source.js";

const DOCUMENT_TYPE_NODE = 10;
const PROCESSING_INSTRUCTION_NODE = 7;

/**
 * The one safe way to turn untrusted bytes into a DOM (the signature package reuses it).
 * UTF-8 only (a BOM is fine); refuses anything before the XML declaration, DTDs, entity
 * declarations and processing instructions before a parser sees them; bounds size, depth and
 * element count. Every parser complaint, even a warning, becomes an EdxmlError: input the hub
 * accepts must be unambiguous. The XML declaration is not kept as a node.
 */
export function parseXml(input: string | Uint8Array, limits?: Partial<Limits>): Document {
  const resolved = resolveLimits(limits);
  const text = decodeInput(input, resolved.maxBytes);
  const markupStart = checkProlog(text);
  scanMarkup(text, markupStart, resolved);
  const strayXlink = usesUndeclaredXlink(text);
  const doc = domParse(text, strayXlink);
  if (strayXlink) unbindXlink(doc);
  for (let n: Node | null = doc.firstChild; n; ) {
    const next: Node | null = n.nextSibling;
    if (n.nodeType === DOCUMENT_TYPE_NODE) {
      throw new EdxmlError("EDXML_FORBIDDEN_CONSTRUCT", "a DOCTYPE is not accepted");
    }
    if (n.nodeType === PROCESSING_INSTRUCTION_NODE) {
      if (n.nodeName !== "xml" || n !== doc.firstChild) {
        throw new EdxmlError(
          "EDXML_FORBIDDEN_CONSTRUCT",
          `processing instruction <?${n.nodeName}?> is not accepted`,
        );
      }
      doc.removeChild(n); // the declaration is not content (browsers' DOMParser drop it too)
    }
    n = next;
  }
  return doc;
}

interface Complaint {
  message: string;
  position?: SourcePosition;
}

const XLINK_NS = "http://www.w3.org/1999/xlink";

/**
 * Field packets write `xlink:href` on manifest References without declaring the prefix, and the
 * official edXML library (namespace-unaware) reads them. Only this prefix, and only when the
 * document declares it nowhere, is bound for the parser (no text is changed); every other
 * unbound prefix stays an error.
 */
function usesUndeclaredXlink(text: string): boolean {
  return text.includes("xlink:") && !text.includes("xmlns:xlink");
}

/**
 * Turns each `xlink:*` attribute into the plain attribute a namespace-unaware reader sees (name
 * `xlink:href`, no namespace), so serialising or canonicalising the DOM gives back the bytes
 * as written, with no declaration added: a signature made over them still verifies. An element
 * in the undeclared prefix is not something the field sends, and stays refused.
 */
function unbindXlink(doc: Document): void {
  const elements = doc.getElementsByTagName("*");
  for (let i = 0; i < elements.length; i++) {
    const el = elements.item(i);
    if (!el) continue;
    if (el.prefix === "xlink") {
      throw new EdxmlError(
        "EDXML_NOT_WELL_FORMED",
        `not well-formed XML: element <${el.tagName}> uses the prefix xlink, which is not declared`,
      );
    }
    const stray = Array.from(el.attributes).filter(
      (a) => a.prefix === "xlink" && a.namespaceURI === XLINK_NS,
    );
    for (const a of stray) {
      el.removeAttributeNode(a);
      el.setAttribute(a.name, a.value);
    }
  }
}

function domParse(text: string, assumeXlink: boolean): Document {
  let first: Complaint | undefined;
  const parser = new DOMParser({
    ...(assumeXlink ? { xmlns: { xlink: XLINK_NS } } : {}),
    onError(_level, message, context: unknown) {
      first ??= { message, position: locate(context) };
      throw new Error(message); // stop at the first complaint, whatever its level
    },
  });
  let doc: Document | undefined;
  try {
    doc = parser.parseFromString(text, "application/xml");
  } catch (err) {
    first ??= { message: err instanceof Error ? err.message : String(err) };
    first.position ??= locate(err);
  }
  if (first || !doc?.documentElement) {
    const complaint = first ?? { message: "missing root element" };
    const where = complaint.position ? ` at ${at(complaint.position)}` : "";
    throw new EdxmlError(
      "EDXML_NOT_WELL_FORMED",
      `not well-formed XML${where}: ${complaint.message}`,
      [],
      complaint.position,
    );
  }
  return doc;
}

/** Reads xmldom's locator (on the SAX context or on a ParseError). */
function locate(source: unknown): SourcePosition | undefined {
  if (typeof source !== "object" || source === null) return undefined;
  const locator: unknown = "locator" in source ? source.locator : undefined;
  if (typeof locator !== "object" || locator === null) return undefined;
  const line = "lineNumber" in locator ? locator.lineNumber : undefined;
  const column = "columnNumber" in locator ? locator.columnNumber : undefined;
  if (typeof line !== "number" || typeof column !== "number" || line < 1) return undefined;
  return { line, column };
}
