import { findNonXmlChar } from "./chars.js";
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
  let i = text.indexOf("<", from);
  while (i !== -1) {
    const next = text[i + 1];
    let end: number;
    if (next === "!") {
      if (text.startsWith("<!--", i)) end = closeOf(text, "-->", i + 4);
      else if (text.startsWith("<![CDATA[", i)) end = closeOf(text, "]]>", i + 9);
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
      end = tagEnd(text, i);
      if (end !== -1 && text[end - 1] !== "/") depth++;
    }
    if (end < 0) return; // unterminated construct: the parser reports it with its position
    i = text.indexOf("<", end + 1);
  }
}

/** Offset of the last character of `close` searched from `from`, or -1. */
function closeOf(text: string, close: string, from: number): number {
  const j = text.indexOf(close, from);
  return j === -1 ? -1 : j + close.length - 1;
}

/** Offset of the `>` closing the start tag at `start`, skipping quoted attribute values. */
function tagEnd(text: string, start: number): number {
  for (let j = start + 1; j < text.length; j++) {
    const c = text[j];
    if (c === ">") return j;
    if (c === '"' || c === "'") {
      j = text.indexOf(c, j + 1);
      if (j === -1) return -1;
    }
  }
  return -1;
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
