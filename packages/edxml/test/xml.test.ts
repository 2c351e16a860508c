import { EdxmlError, parseLetter, parsePacket, parseXml } from "@edoc/edxml";
import { describe, expect, it } from "vitest";
import { edxmlError, letterXml, sample } from "./helpers.js";

describe("parseXml refuses dangerous constructs before parsing", () => {
  it("billion laughs: a DOCTYPE with nested entities", () => {
    const lol = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>`;
    const err = edxmlError(() => parseXml(lol), "EDXML_FORBIDDEN_CONSTRUCT");
    expect(err.message).toMatch(/<!DOCTYPE declarations are not accepted .*at line 2, column 1/);
  });

  it("XXE: an external entity", () => {
    const xxe = `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`;
    edxmlError(() => parseXml(xxe), "EDXML_FORBIDDEN_CONSTRUCT");
  });

  it("a bare DOCTYPE, and an ENTITY declaration outside any DOCTYPE", () => {
    edxmlError(() => parseXml(`<!DOCTYPE edXML><edXML/>`), "EDXML_FORBIDDEN_CONSTRUCT");
    const err = edxmlError(
      () => parseXml(`<r>\n  <!ENTITY x "y"></r>`),
      "EDXML_FORBIDDEN_CONSTRUCT",
    );
    expect(err.position).toEqual({ line: 2, column: 3 });
  });

  it("processing instructions anywhere but the XML declaration", () => {
    for (const xml of [
      `<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?><r/>`,
      `<r><?php echo 1; ?></r>`,
      `<r/><?tail?>`,
    ]) {
      const err = edxmlError(() => parseXml(xml), "EDXML_FORBIDDEN_CONSTRUCT");
      expect(err.message).toMatch(/processing instruction <\?\S+\?> is not accepted/);
    }
  });

  it("reads such text inside comments and CDATA as the content it is", () => {
    const doc = parseXml(`<r><!-- <!DOCTYPE x> <?pi?> --><![CDATA[<!ENTITY e "v"> <?pi?>]]></r>`);
    expect(doc.documentElement?.textContent).toBe(`<!ENTITY e "v"> <?pi?>`);
  });

  it("an undefined entity reference is not well-formed (never expanded, never kept)", () => {
    const err = edxmlError(() => parseXml(`<r>&lol;</r>`), "EDXML_NOT_WELL_FORMED");
    expect(err.message).toContain("&lol;");
  });

  it("character references and the predefined entities still work", () => {
    expect(
      parseXml(`<r>&#x110;&#7889; &amp;&lt;&gt;&quot;&apos;</r>`).documentElement?.textContent,
    ).toBe(`Đố &<>"'`);
  });
});

describe("parseXml bounds resources", () => {
  it("input size, for strings and bytes", () => {
    const xml = `<r>${"x".repeat(200)}</r>`;
    expect(edxmlError(() => parseXml(xml, { maxBytes: 100 }), "EDXML_TOO_LARGE").message).toBe(
      "input is 207 bytes, above the limit of 100",
    );
    edxmlError(() => parseXml(Buffer.from(xml), { maxBytes: 100 }), "EDXML_TOO_LARGE");
    // Counted in UTF-8 bytes, not characters.
    edxmlError(() => parseXml(`<r>${"Đ".repeat(60)}</r>`, { maxBytes: 100 }), "EDXML_TOO_LARGE");
  });

  it("nesting depth", () => {
    expect(parseXml("<a><b><c/></b></a>", { maxDepth: 3 }).documentElement?.localName).toBe("a");
    const err = edxmlError(
      () => parseXml("<a><b><c><d/></c></b></a>", { maxDepth: 3 }),
      "EDXML_TOO_LARGE",
    );
    expect(err.message).toBe(
      "document has elements nested deeper than 3 levels (at line 1, column 10)",
    );
    const deep = "<a>".repeat(200_000) + "</a>".repeat(200_000);
    edxmlError(() => parseXml(deep), "EDXML_TOO_LARGE");
  });

  it("element count", () => {
    const many = `<r>${"<a/>".repeat(10)}</r>`;
    expect(parseXml(many, { maxElements: 11 }).documentElement?.childNodes.length).toBe(10);
    const err = edxmlError(() => parseXml(many, { maxElements: 10 }), "EDXML_TOO_LARGE");
    expect(err.message).toMatch(/more than 10 elements/);
  });

  it("attribute values containing > do not fool the element count", () => {
    const xml = `<r><a x="b>c" y='>'/><a/></r>`;
    expect(parseXml(xml, { maxElements: 3, maxDepth: 2 }).documentElement?.childNodes.length).toBe(
      2,
    );
  });

  it("rejects non-positive limits as a programming error", () => {
    expect(() => parseXml("<r/>", { maxDepth: 0 })).toThrow(RangeError);
  });
});

describe("parseXml: encoding and prolog", () => {
  it("accepts a UTF-8 BOM in bytes and in strings; drops the declaration node", () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('<?xml version="1.0"?><r>Đ</r>'),
    ]);
    const doc = parseXml(bytes);
    expect(doc.firstChild?.nodeName).toBe("r");
    expect(doc.documentElement?.textContent).toBe("Đ");
    expect(parseXml("\uFEFF<r/>").documentElement?.localName).toBe("r");
  });

  it("refuses invalid UTF-8 and names the byte", () => {
    const bytes = Buffer.concat([
      Buffer.from("<r>ab"),
      Buffer.from([0xc3, 0x28]),
      Buffer.from("</r>"),
    ]);
    const err = edxmlError(() => parseXml(bytes), "EDXML_NOT_WELL_FORMED");
    expect(err.message).toBe("input is not valid UTF-8 (byte 5); edXML must be UTF-8");
    edxmlError(() => parseXml(Buffer.from("\uFEFF<r/>", "utf16le")), "EDXML_NOT_WELL_FORMED");
  });

  it("refuses a declared encoding other than UTF-8", () => {
    const err = edxmlError(
      () => parseXml(`<?xml version="1.0" encoding="windows-1258"?><r/>`),
      "EDXML_NOT_WELL_FORMED",
    );
    expect(err.message).toContain('"windows-1258"');
    expect(parseXml(`<?xml version="1.0" encoding="utf-8"?><r/>`).documentElement).toBeTruthy();
  });

  it("refuses anything before the XML declaration, even whitespace, and shows it", () => {
    const err = edxmlError(() => parseXml(`\n<?xml version="1.0"?><r/>`), "EDXML_NOT_WELL_FORMED");
    expect(err.message).toMatch(/^1 byte precede the XML declaration: "\\n"/);
    const junk = edxmlError(
      () => parseXml(`Đ1212<?xml version="1.0"?><r/>`),
      "EDXML_NOT_WELL_FORMED",
    );
    expect(junk.message).toMatch(/^6 bytes precede the XML declaration: "Đ1212"/);
  });

  it("refuses text before a root element that has no declaration, but allows whitespace", () => {
    const err = edxmlError(() => parseXml(`junk<r/>`), "EDXML_NOT_WELL_FORMED");
    expect(err.message).toBe('4 bytes of text precede the root element: "junk"');
    expect(parseXml(`\n  <r/>`).documentElement?.localName).toBe("r");
  });

  it("refuses characters XML does not allow", () => {
    const err = edxmlError(() => parseXml("<r>\n a\u0001</r>"), "EDXML_NOT_WELL_FORMED");
    expect(err.message).toBe("character U+0001 is not allowed in XML (at line 2, column 3)");
  });

  it("reports syntax errors with line and column", () => {
    const err = edxmlError(() => parseXml("<r>\n  <a>\n</r>"), "EDXML_NOT_WELL_FORMED");
    expect(err.message).toMatch(/^not well-formed XML at line 2, column \d+: .*mismatch/);
    const unbound = edxmlError(() => parseXml(`<r>\n<x:a/></r>`), "EDXML_NOT_WELL_FORMED");
    expect(unbound.position?.line).toBe(2);
    for (const bad of [
      "",
      "   ",
      "plain text",
      "<r>",
      "<r></s>",
      "<r/><r/>",
      "<!-- only a comment -->",
      "<r a='1' a='2'/>",
    ]) {
      edxmlError(() => parseXml(bad), "EDXML_NOT_WELL_FORMED");
    }
  });

  it("never lets a parser exception escape: every truncation and byte flip of a packet", () => {
    const original = sample("vpcp-sdk/status_processing_05.edxml");
    const outcomes = new Set<string>();
    for (let i = 0; i < original.length; i += 7) {
      const flipped = Buffer.from(original);
      flipped[i] = (flipped[i] ?? 0) ^ 0x3c; // e.g. turns "\0" into "<", letters into punctuation
      for (const variant of [original.subarray(0, i), flipped]) {
        try {
          parsePacket(variant);
          outcomes.add("parsed");
        } catch (err) {
          expect(err).toBeInstanceOf(EdxmlError);
          outcomes.add((err as EdxmlError).code);
        }
      }
    }
    expect([...outcomes].sort()).toEqual(["EDXML_INVALID", "EDXML_NOT_WELL_FORMED", "parsed"]);
  });
});

describe("recognising edXML", () => {
  it("a different root is not edXML", () => {
    const err = edxmlError(() => parsePacket("<Envelope/>"), "EDXML_NOT_EDXML");
    expect(err.message).toBe("root element is <Envelope>, expected edXML (QCVN 102:2016)");
  });

  it("an edXML root without envelope or MessageHeader is not edXML", () => {
    expect(edxmlError(() => parsePacket("<edXML/>"), "EDXML_NOT_EDXML").message).toBe(
      "edXML has no edXMLEnvelope: not an edXML packet",
    );
    expect(
      edxmlError(
        () => parsePacket("<edXML><edXMLEnvelope><edXMLHeader/></edXMLEnvelope></edXML>"),
        "EDXML_NOT_EDXML",
      ).message,
    ).toBe("edXML/edXMLEnvelope/edXMLHeader has no MessageHeader: not an edXML packet");
  });

  it("parseLetter on a status packet names the mismatch", () => {
    const err = edxmlError(() => parseLetter(sample("vpcp-sdk/status.edxml")), "EDXML_INVALID");
    expect(err.issues).toEqual([
      {
        path: "edXMLEnvelope/edXMLHeader/MessageHeader",
        rule: "packet-kind",
        message: "this is a status packet, expected a letter",
      },
    ]);
  });

  it("accepts an already parsed Document", () => {
    const doc = parseXml(letterXml());
    expect(parsePacket(doc).kind).toBe("letter");
  });
});
