import type { OrganId } from "@edoc/directory";
import { describe, expect, it } from "vitest";
import { type AcceptanceReceipt, acceptanceReceiptXml, sha256Hex } from "../src/index.js";
import { OTHER, RECIPIENT, SENDER } from "./fixtures.js";

function receipt(): AcceptanceReceipt {
  return {
    hubDocumentId: "hub-01J1Z",
    documentId: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
    from: SENDER,
    to: [RECIPIENT, OTHER],
    digest: sha256Hex("the exact bytes"),
    receivedAt: "2025-07-01T01:00:00.000Z",
    receiptId: "rcp_1_0123456789ab",
  };
}

describe("acceptanceReceiptXml", () => {
  it("builds the namespaced receipt document, element by element", () => {
    expect(acceptanceReceiptXml(receipt())).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<AcceptanceReceipt xmlns="urn:edoc-hub:receipt:1">',
        "  <ReceiptId>rcp_1_0123456789ab</ReceiptId>",
        "  <HubDocumentId>hub-01J1Z</HubDocumentId>",
        "  <DocumentId>000.00.00.G22,2015/09/30,7816/VPCP-TTĐT</DocumentId>",
        "  <From>000.00.00.G22</From>",
        "  <ToList>",
        "    <To>000.00.31.H53</To>",
        "    <To>000.00.32.H53</To>",
        "  </ToList>",
        `  <Digest Algorithm="http://www.w3.org/2001/04/xmlenc#sha256">${sha256Hex("the exact bytes")}</Digest>`,
        "  <ReceivedAt>2025-07-01T01:00:00.000Z</ReceivedAt>",
        "</AcceptanceReceipt>",
      ].join("\n"),
    );
  });

  it("is deterministic", () => {
    expect(acceptanceReceiptXml(receipt())).toBe(acceptanceReceiptXml({ ...receipt() }));
  });

  it("escapes markup and carriage returns in text", () => {
    const xml = acceptanceReceiptXml({ ...receipt(), documentId: "a<b>&c]]>\r\nd" });
    expect(xml).toContain("<DocumentId>a&lt;b&gt;&amp;c]]&gt;&#13;\nd</DocumentId>");
  });

  it.each([
    ["a control character", { documentId: "x\u0001y" }, "documentId", /U\+0001/],
    ["a lone surrogate", { documentId: "x\uD800" }, "documentId", /U\+D800/],
    ["a malformed recipient", { to: [RECIPIENT, "28.22.H17" as OrganId] }, "to[1]", /28\.22\.H17/],
    ["a malformed sender", { from: "000.00.00.g22" as OrganId }, "from", /canonical/],
    ["a base64 digest", { digest: "q1w2e3==" }, "digest", /SHA-256/],
    ["a local time", { receivedAt: "2025-07-01 08:00:00" }, "receivedAt", /ISO-8601/],
    ["an empty receipt id", { receiptId: "" }, "receiptId", /non-empty/],
  ])("refuses %s", (_what, change, field, message) => {
    expect(() => acceptanceReceiptXml({ ...receipt(), ...change })).toThrow(
      expect.objectContaining({
        code: "ACCEPTANCE_RECEIPT_INVALID",
        field,
        message: expect.stringMatching(message),
      }),
    );
  });
});
