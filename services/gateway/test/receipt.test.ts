import { sign as nodeSign } from "node:crypto";
import type { OrganId } from "@edoc/directory";
import { createDevPki, issueHubCertificate } from "@edoc/pki";
import {
  type AcceptanceReceipt,
  acceptanceReceiptTemplate,
  acceptanceReceiptXml,
} from "@edoc/receipts";
import { signCanonicalRemote, signXmlRemote, verifyXml } from "@edoc/signature";
import { beforeAll, describe, expect, it } from "vitest";

// The gateway signs each acceptance receipt from its template and canonical form, with no parse
// and no serialization (signCanonicalRemote). RSASSA-PKCS1-v1_5 is deterministic, so the result
// must be byte for byte what signXmlRemote gives for acceptanceReceiptXml of the same receipt,
// and the existing receipt verifier (verifyXml) must accept it.
let hub: { certificatePem: string; privateKeyPem: string };
let chain: string[];
let anchors: string[];
beforeAll(async () => {
  const pki = await createDevPki();
  hub = await issueHubCertificate(pki, { name: "Trục liên thông (biên nhận)" });
  chain = [pki.issuing.certificatePem];
  anchors = [pki.root.certificatePem];
});

function receipt(over: Partial<AcceptanceReceipt> = {}): AcceptanceReceipt {
  return {
    receiptId: "acc_0123456789abcdef0123456789abcdef",
    hubDocumentId: "doc_0123456789abcdef0123456789abcdef",
    documentId: "000.00.00.G22,2026/12/05,7816/STC-VP",
    from: "000.00.00.G22" as OrganId,
    to: ["000.00.31.H53" as OrganId, "000.00.32.H53" as OrganId],
    digest: "ab".repeat(32),
    receivedAt: "2026-12-05T05:10:00.123Z",
    ...over,
  };
}

const signs: Buffer[] = [];
const opts = () => ({
  certificatePem: hub.certificatePem,
  chainPems: chain,
  algorithm: "rsa-sha256" as const,
  sign: async (data: Buffer) => {
    signs.push(data);
    return nodeSign("sha256", data, hub.privateKeyPem);
  },
});

const cases: [string, Partial<AcceptanceReceipt>][] = [
  ["an ordinary receipt", {}],
  ["no recipient (a status packet)", { to: [] }],
  [
    "markup, quotes, tabs, line breaks and a carriage return in the DocumentId",
    { documentId: `a<b>&c]]>"q" 'x'\t\r\nd\re` },
  ],
  ["Vietnamese and astral characters", { documentId: "Công văn số 7816/STC-VP 𝔸 ✓" }],
];

describe("acceptance receipts signed from their template", () => {
  it.each(cases)(
    "%s: the same bytes as signXmlRemote, and verifyXml accepts them",
    async (_n, o) => {
      const r = receipt(o);
      const fromTemplate = await signCanonicalRemote(acceptanceReceiptTemplate(r), opts());
      const fromLibrary = await signXmlRemote(acceptanceReceiptXml(r), opts());
      expect(fromTemplate).toBe(fromLibrary);
      // What the signer signed is the same SignedInfo octets too.
      expect(signs.at(-2)?.equals(signs.at(-1) ?? Buffer.alloc(0))).toBe(true);
      const report = await verifyXml(Buffer.from(fromTemplate), {
        trustAnchors: anchors,
        intermediates: chain,
      });
      expect(report.reasons).toEqual([]);
      expect(report.valid).toBe(true);
      expect(report.signedXml).toBe(acceptanceReceiptTemplate(r).canonical);
    },
  );

  it("a wrong canonical form gives a receipt that does not verify", async () => {
    const t = acceptanceReceiptTemplate(receipt());
    const lying = {
      xml: t.xml,
      canonical: t.canonical.replace("000.00.31.H53", "000.00.99.H53"),
    };
    const signed = await signCanonicalRemote(lying, opts());
    const report = await verifyXml(Buffer.from(signed), { trustAnchors: anchors });
    expect(report.valid).toBe(false);
    expect(report.reasons.map((x) => x.code)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
  });

  it("a changed value after signing is refused by the verifier", async () => {
    const signed = await signCanonicalRemote(acceptanceReceiptTemplate(receipt()), opts());
    const tampered = signed.replace("<To>000.00.32.H53</To>", "<To>000.00.33.H53</To>");
    const report = await verifyXml(Buffer.from(tampered), { trustAnchors: anchors });
    expect(report.reasons.map((x) => x.code)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
  });

  it("refuses a document whose two forms do not end with the same end tag", async () => {
    await expect(
      signCanonicalRemote({ xml: "<a>x</a>\n", canonical: "<a>x</a>" }, opts()),
    ).rejects.toThrow(/end tag/);
  });
});
