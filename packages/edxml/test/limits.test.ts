import { defaultLimits, parseXml } from "@edoc/edxml";
import { describe, expect, it } from "vitest";
import { edxmlError } from "./helpers.js";

// Well-formed input that costs the parser far more memory than its size: bounded before xmldom
// builds a node for each construct.
describe("parseXml: attribute and comment counts", () => {
  it("attributes, namespace declarations included, are counted over the whole document", () => {
    const xml = `<r a="1" xmlns:p="urn:p"><s b='x=y' c="2"/><t d="3"/></r>`;
    expect(parseXml(xml, { maxAttributes: 5 }).documentElement?.localName).toBe("r");
    const err = edxmlError(() => parseXml(xml, { maxAttributes: 4 }), "EDXML_TOO_LARGE");
    expect(err.message).toMatch(/more than 4 attributes/);
    expect(err.position).toEqual({ line: 1, column: 44 });
  });

  it("a million empty attributes are refused at the default limit", () => {
    const attrs = Array.from({ length: 1000 }, (_, i) => `a${i}=""`).join(" ");
    const xml = `<r>${`<b ${attrs}/>`.repeat(defaultLimits.maxAttributes / 1000 + 1)}</r>`;
    edxmlError(() => parseXml(xml), "EDXML_TOO_LARGE");
  });

  it("comments and CDATA sections share one count", () => {
    const xml = "<r><!-- a --><![CDATA[<b>]]><!-- c --></r>";
    expect(parseXml(xml, { maxComments: 3 }).documentElement?.childNodes.length).toBe(3);
    const err = edxmlError(() => parseXml(xml, { maxComments: 2 }), "EDXML_TOO_LARGE");
    expect(err.message).toMatch(/more than 2 comments and CDATA sections/);
    edxmlError(
      () => parseXml(`<r>${"<!---->".repeat(defaultLimits.maxComments + 1)}</r>`),
      "EDXML_TOO_LARGE",
    );
  });
});

describe("parseXml: character references", () => {
  it("must name a character XML allows (WFC: Legal Character)", () => {
    for (const ref of ["&#0;", "&#1;", "&#x1F;", "&#xD800;", "&#xFFFE;", "&#99999999;"]) {
      const err = edxmlError(() => parseXml(`<r a="x">t${ref}</r>`), "EDXML_NOT_WELL_FORMED");
      expect(err.message).toMatch(/names a character XML does not allow/);
      expect(err.position).toEqual({ line: 1, column: 11 });
      edxmlError(() => parseXml(`<r a="${ref}"/>`), "EDXML_NOT_WELL_FORMED");
    }
    const ok = parseXml("<r a='&#x9;'>&#13;&#x10FFFF;&#233;</r>");
    expect(ok.documentElement?.textContent).toBe("\r\u{10FFFF}é");
    // In comments and CDATA sections it is text, not a reference.
    expect(parseXml("<r><!-- &#0; --><![CDATA[&#1;]]></r>").documentElement?.textContent).toBe(
      "&#1;",
    );
  });
});
