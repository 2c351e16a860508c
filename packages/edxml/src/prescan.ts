import { findNonXmlChar, isXmlCodePoint } from "./chars.js";
import { EdxmlError } from "./errors.js";
import type { Limits } from "./limits.js";
import { at, excerpt, positionAt } from "./source.js";

// Checks run on the raw text BEFORE any XML parser sees it, so that a DTD, an entity or an
// oversized tree is refused before it can be expanded or built.

const XML_DECL = /^<\?xml[ \t\r\n][\s\S]*?\?>/;
const ENCODING = /\bencoding[ \t\r\n]*=[ \t\r\n]*["']([^"']*)["']/;
const DECLARATIONS = ["<!DOCTYPE", "<!ENTITY", "<!ELEMENT", "<!ATTLIST", "<!NOTATION"];

/** Returns the offset where markup after the XML declaration starts. */
export function checkProlog(text: string): number {
  const decl = XML_DECL.exec(text);
  if (decl) {
    const encoding = ENCODING.exec(decl[0])?.[1];
    if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
      throw new EdxmlError(
        "EDXML_NOT_WELL_FORMED",
        `the XML declaration names encoding "${encoding}"; edXML is accepted in UTF-8 only`,
      );
    }
    return decl[0].length;
  }
  const firstMarkup = text.indexOf("<");
  if (firstMarkup === -1) {
    throw new EdxmlError(
      "EDXML_NOT_WELL_FORMED",
      `input contains no XML element: ${excerpt(text)}`,
    );
  }
  const prefix = text.slice(0, firstMarkup);
  const bytes = Buffer.byteLength(prefix, "utf8");
  // The stray-bytes rule: nothing may precede the XML declaration, not even whitespace (XML 1.0
  // §2.8). Real senders prepend junk such as "1212"; guessing where the packet starts would let
  // the hub sign or forward bytes the sender never meant, so it refuses and says what it saw.
  if (text.startsWith("<?xml", firstMarkup)) {
    throw new EdxmlError(
      "EDXML_NOT_WELL_FORMED",
      `${bytes} byte${bytes === 1 ? "" : "s"} precede the XML declaration: ${excerpt(prefix)}; ` +
        "the declaration must be the very first thing in the packet",
      [],
      positionAt(text, firstMarkup),
    );
  }
  if (prefix.trim() !== "") {
    throw new EdxmlError(
      "EDXML_NOT_WELL_FORMED",
      `${bytes} byte${bytes === 1 ? "" : "s"} of text precede the root element: ${excerpt(prefix)}`,
      [],
      positionAt(text, firstMarkup),
    );
  }
  return firstMarkup;
}

/**
 * Walks the markup once: refuses DTD declarations and processing instructions, and bounds element
 * count and depth. Malformed markup is left for the XML parser to report.
 */
export function scanMarkup(text: string, from: number, limits: Limits): void {
  const bad = findNonXmlChar(text);
  if (bad) throw notWellFormed(text, bad.index, `character ${bad.char} is not allowed in XML`);
  let depth = 0;
  let elements = 0;
  let attributes = 0;
  let comments = 0;
  let i = text.indexOf("<", from);
  let textFrom = from;
  while (i !== -1) {
    checkCharRefs(text, textFrom, i);
    const next = text[i + 1];
    let end: number;
    if (next === "!") {
      const comment = text.startsWith("<!--", i);
      const cdata = !comment && text.startsWith("<![CDATA[", i);
      if ((comment || cdata) && ++comments > limits.maxComments) {
        throw tooLarge(text, i, `more than ${limits.maxComments} comments and CDATA sections`);
      }
      if (comment) end = closeOf(text, "-->", i + 4);
      else if (cdata) end = closeOf(text, "]]>", i + 9);
      else {
        const decl = DECLARATIONS.find((d) => text.startsWith(d, i));
        if (decl) {
          throw forbidden(
            text,
            i,
            `${decl} declarations are not accepted (DTDs and entities are refused)`,
          );
        }
        end = text.indexOf(">", i);
      }
    } else if (next === "?") {
      const target = /^<\?([^\s?]*)/.exec(text.slice(i, i + 64))?.[1] ?? "";
      throw forbidden(
        text,
        i,
        `processing instruction <?${target}?> is not accepted (only the XML declaration may start with <?)`,
      );
    } else if (next === "/") {
      depth--;
      end = text.indexOf(">", i);
    } else {
      elements++;
      if (elements > limits.maxElements) {
        throw tooLarge(text, i, `more than ${limits.maxElements} elements`);
      }
      if (depth + 1 > limits.maxDepth) {
        throw tooLarge(text, i, `elements nested deeper than ${limits.maxDepth} levels`);
      }
      const tag = startTag(text, i);
      end = tag.end;
      checkCharRefs(text, i, end === -1 ? text.length : end);
      attributes += tag.attributes;
      if (attributes > limits.maxAttributes) {
        throw tooLarge(text, i, `more than ${limits.maxAttributes} attributes`);
      }
      if (end !== -1 && text[end - 1] !== "/") depth++;
    }
    if (end < 0) return; // unterminated construct: the parser reports it with its position
    textFrom = end + 1;
    i = text.indexOf("<", end + 1);
  }
  checkCharRefs(text, textFrom, text.length);
}

const CHAR_REF = /&#(?:x([0-9A-Fa-f]+)|([0-9]+));/g;

/**
 * Character references in text and attribute values must name a character XML allows (WFC:
 * Legal Character); xmldom would turn `&#0;` or `&#xD800;` into content. Comments and CDATA
 * sections are never passed here: a reference there is plain text.
 */
function checkCharRefs(text: string, from: number, to: number): void {
  if (to <= from) return;
  // Searched within the segment only, so the whole scan stays linear.
  const segment = text.substring(from, to);
  if (!segment.includes("&#")) return;
  CHAR_REF.lastIndex = 0;
  for (let m = CHAR_REF.exec(segment); m !== null; m = CHAR_REF.exec(segment)) {
    const cp = m[1] !== undefined ? Number.parseInt(m[1], 16) : Number.parseInt(m[2] ?? "", 10);
    if (!isXmlCodePoint(cp)) {
      throw notWellFormed(
        text,
        from + m.index,
        `character reference ${excerpt(m[0], 20)} names a character XML does not allow`,
      );
    }
  }
}

/** Offset of the last character of `close` searched from `from`, or -1. */
function closeOf(text: string, close: string, from: number): number {
  const j = text.indexOf(close, from);
  return j === -1 ? -1 : j + close.length - 1;
}

/**
 * Offset of the `>` closing the start tag at `start` (-1 if none), skipping quoted attribute
 * values, and its number of attributes (each has one `=` outside quotes).
 */
function startTag(text: string, start: number): { end: number; attributes: number } {
  let attributes = 0;
  for (let j = start + 1; j < text.length; j++) {
    const c = text[j];
    if (c === ">") return { end: j, attributes };
    if (c === "=") attributes++;
    else if (c === '"' || c === "'") {
      j = text.indexOf(c, j + 1);
      if (j === -1) return { end: -1, attributes };
    }
  }
  return { end: -1, attributes };
}

function notWellFormed(text: string, offset: number, what: string): EdxmlError {
  const position = positionAt(text, offset);
  return new EdxmlError("EDXML_NOT_WELL_FORMED", `${what} (at ${at(position)})`, [], position);
}

function forbidden(text: string, offset: number, what: string): EdxmlError {
  const position = positionAt(text, offset);
  return new EdxmlError("EDXML_FORBIDDEN_CONSTRUCT", `${what} (at ${at(position)})`, [], position);
}

function tooLarge(text: string, offset: number, what: string): EdxmlError {
  const position = positionAt(text, offset);
  return new EdxmlError(
    "EDXML_TOO_LARGE",
    `document has ${what} (at ${at(position)})`,
    [],
    position,
  );
}
