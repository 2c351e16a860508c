import {
  createDevPki,
  type DevPkiState,
  issueAgencyCertificate,
  issueCrl,
  revokeCertificate,
} from "@edoc/pki";
import type { TrustPolicy } from "@edoc/signature";
import { zipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import {
  decidePdfPolicy,
  type PdfTrust,
  parsePdfPolicy,
  verifyAttachments,
  verifyPdf,
} from "../src/index.js";
import { basePdf, type PyHankoSigner, signPdf, updatePdf } from "./pyhanko.js";

type PdfSigner = PyHankoSigner & { serialNumber: string };

const ORGAN = "000.00.02.H45";

let pki: DevPkiState;
let seal: PdfSigner;
let person: PdfSigner;
let revoked: PdfSigner;
let stranger: PdfSigner;
let trust: TrustPolicy;
let base: Buffer;

function chainOf(state: DevPkiState): string {
  return state.issuing.certificatePem + state.root.certificatePem;
}

function opts(): PdfTrust {
  return { trust, at: new Date() };
}

beforeAll(async () => {
  pki = await createDevPki({ organization: "Bộ Nội vụ (dev)" });
  const s = await issueAgencyCertificate(pki, { organId: ORGAN, name: "Sở Nội vụ tỉnh Tây Ninh" });
  const p = await issueAgencyCertificate(s.state, {
    organId: ORGAN,
    name: "Nguyễn Văn An",
    title: "Giám đốc",
  });
  const r = await issueAgencyCertificate(p.state, { organId: ORGAN, name: "Con dấu đã thu hồi" });
  pki = revokeCertificate(r.state, r.serialNumber, { reason: "keyCompromise" });
  seal = { ...s, chainPem: chainOf(pki) };
  person = { ...p, chainPem: chainOf(pki) };
  revoked = { ...r, chainPem: chainOf(pki) };
  const other = await createDevPki({ organization: "Không tin cậy" });
  const o = await issueAgencyCertificate(other, { organId: ORGAN, name: "Sở giả mạo" });
  stranger = { ...o, chainPem: chainOf(o.state) };
  trust = {
    trustAnchors: [pki.root.certificatePem],
    intermediates: [pki.issuing.certificatePem],
    crls: [await issueCrl(pki)],
  };
  base = basePdf();
}, 120_000);

describe("verifyPdf on PDFs signed by pyHanko", () => {
  it("a seal's PAdES signature over the whole file is valid", async () => {
    const before = Date.now() - 1000;
    const pdf = signPdf(base, seal, "Seal");
    const after = Date.now() + 1000;
    const report = await verifyPdf(pdf, "letter.pdf", opts());
    expect(report.verdict).toBe("PDF_SIGNATURE_VALID");
    expect(report.modifiedAfterLastSignature).toBe(false);
    const [sig] = report.signatures;
    expect(sig).toMatchObject({
      verdict: "PDF_SIGNATURE_VALID",
      subFilter: "ETSI.CAdES.detached",
      holder: "seal",
      coversWholeFile: true,
      revocation: "checked",
      reasons: [],
    });
    expect(sig?.signer?.organIds).toEqual([ORGAN]);
    expect(sig?.signer?.serialNumber).toBe(seal.serialNumber);
    expect(sig?.chain).toHaveLength(3);
    // PAdES keeps the claimed time in the dictionary's /M (no signingTime attribute).
    expect(sig?.signingTimeSource).toBe("dictionary");
    const signedAt = Date.parse(sig?.signingTime ?? "");
    expect(signedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(signedAt).toBeLessThanOrEqual(after);
  });

  it("adbe.pkcs7.detached is verified the same way, with its signed signingTime", async () => {
    const report = await verifyPdf(signPdf(base, person, "Sig", "pkcs7"), "a.pdf", opts());
    expect(report.verdict).toBe("PDF_SIGNATURE_VALID");
    expect(report.signatures[0]).toMatchObject({
      subFilter: "adbe.pkcs7.detached",
      holder: "person",
      signingTimeSource: "signed-attribute",
    });
  });

  it("a byte changed inside the signed ranges is PDF_DIGEST_MISMATCH", async () => {
    const pdf = signPdf(base, seal, "Seal");
    const at = pdf.indexOf("Cong van so 12");
    expect(at).toBeGreaterThan(0);
    pdf[at + 12] = "3".charCodeAt(0);
    const report = await verifyPdf(pdf, "letter.pdf", opts());
    expect(report.verdict).toBe("PDF_DIGEST_MISMATCH");
    expect(report.signatures[0]?.verdict).toBe("PDF_DIGEST_MISMATCH");
  });

  it("a signature value changed is PDF_SIGNATURE_INVALID", async () => {
    const pdf = signPdf(base, seal, "Seal");
    const report0 = await verifyPdf(pdf, "letter.pdf", opts());
    const [, b, c] = report0.signatures[0]!.byteRange;
    // The RSA signature value is the last non-padding bytes of /Contents: flip one hex digit.
    const hex = pdf.toString("latin1", b + 1, c - 1).replace(/(00)+$/, "");
    const pos = b + 1 + hex.length - 10;
    pdf[pos] = pdf[pos] === 0x41 ? 0x42 : 0x41;
    const report = await verifyPdf(pdf, "letter.pdf", opts());
    expect(report.verdict).toBe("PDF_SIGNATURE_INVALID");
  });

  it("a certificate revoked by the CA's CRL is PDF_CERT_REVOKED", async () => {
    const report = await verifyPdf(signPdf(base, revoked, "Seal"), "r.pdf", opts());
    expect(report.verdict).toBe("PDF_CERT_REVOKED");
    expect(report.signatures[0]?.reasons.map((r) => r.detail)).toContain("CERT_REVOKED");
  });

  it("a certificate from a CA the hub does not trust is PDF_CERT_UNTRUSTED", async () => {
    const report = await verifyPdf(signPdf(base, stranger, "Seal"), "u.pdf", opts());
    expect(report.verdict).toBe("PDF_CERT_UNTRUSTED");
    expect(report.signatures[0]?.reasons.map((r) => r.detail)).toContain("CERT_UNTRUSTED");
  });

  it("a PDF without signature is PDF_UNSIGNED", async () => {
    const report = await verifyPdf(base, "plain.pdf", opts());
    expect(report).toMatchObject({ verdict: "PDF_UNSIGNED", signatures: [] });
  });

  it("person then seal: two valid signatures, the first followed by the second's update", async () => {
    const pdf = signPdf(signPdf(base, person, "Signer"), seal, "Seal");
    const report = await verifyPdf(pdf, "two.pdf", opts());
    expect(report.verdict).toBe("PDF_SIGNATURE_VALID");
    expect(report.signatures.map((s) => [s.holder, s.verdict, s.coversWholeFile])).toEqual([
      ["person", "PDF_SIGNATURE_VALID", false],
      ["seal", "PDF_SIGNATURE_VALID", true],
    ]);
  });

  it("an unsigned incremental update after the signature is PDF_MODIFIED_AFTER_SIGNING", async () => {
    const signed = signPdf(base, seal, "Seal");
    const pdf = updatePdf(signed);
    expect(pdf.length).toBeGreaterThan(signed.length);
    const report = await verifyPdf(pdf, "updated.pdf", opts());
    expect(report.verdict).toBe("PDF_MODIFIED_AFTER_SIGNING");
    expect(report.modifiedAfterLastSignature).toBe(true);
    // The signature itself still verifies: it covers the revision it signed.
    expect(report.signatures[0]?.verdict).toBe("PDF_SIGNATURE_VALID");
    expect(report.signatures[0]?.coversWholeFile).toBe(false);
  });
});

describe("what is not a verifiable signature", () => {
  it("a /ByteRange in page text whose gap is no hex string is not a signature", async () => {
    const text = Buffer.from(
      "%PDF-1.7\n1 0 obj\n(/ByteRange [0 10 20 5] /Contents <zz>)\nendobj\n%%EOF\n",
    );
    const report = await verifyPdf(text, "fake.pdf", opts());
    expect(report.verdict).toBe("PDF_UNSIGNED");
  });

  it("a /SubFilter other than the two PAdES ones is PDF_SIGNATURE_UNSUPPORTED", async () => {
    const pdf = signPdf(base, seal, "Seal");
    const at = pdf.indexOf("/ETSI.CAdES.detached");
    expect(at).toBeGreaterThan(0);
    pdf.write("/ETSI.RFC3161       ", at, "latin1"); // same length: offsets stay right
    const report = await verifyPdf(pdf, "ts.pdf", opts());
    expect(report.verdict).toBe("PDF_SIGNATURE_UNSUPPORTED");
    expect(report.signatures[0]?.subFilter).toBe("ETSI.RFC3161");
  });
});

describe("verifyAttachments", () => {
  it("finds PDFs as attachments and inside zip attachments", async () => {
    const signed = signPdf(base, seal, "Seal");
    const zip = zipSync({
      "vb/congvan.pdf": signed,
      "vb/phuluc.pdf": base,
      "readme.txt": new Uint8Array([0x61]),
    });
    const reports = await verifyAttachments(
      [
        { name: "letter.zip", contentType: "application/zip", bytes: zip },
        { name: "scan", contentType: "application/pdf", bytes: signed },
        { name: "note.txt", contentType: "text/plain", bytes: Buffer.from("x") },
      ],
      opts(),
    );
    expect(reports.map((r) => [r.path, r.verdict])).toEqual([
      ["letter.zip!/vb/congvan.pdf", "PDF_SIGNATURE_VALID"],
      ["letter.zip!/vb/phuluc.pdf", "PDF_UNSIGNED"],
      ["scan", "PDF_SIGNATURE_VALID"],
    ]);
  });
});

describe("PDFs that cannot be read are reported, not skipped", () => {
  it("an unreadable zip and a PDF beyond the bounds fail the policy's check", async () => {
    const reports = await verifyAttachments(
      [
        {
          name: "broken.zip",
          contentType: "application/zip",
          bytes: Buffer.from("PK\x03\x04garbage"),
        },
      ],
      opts(),
    );
    expect(reports).toMatchObject([
      {
        path: "broken.zip",
        verdict: "PDF_SIGNATURE_UNSUPPORTED",
        problem: expect.stringMatching(/cannot be read/),
      },
    ]);
    const policy = parsePdfPolicy('{"default":"refuse"}');
    expect(decidePdfPolicy(policy, ORGAN, reports).failing).toHaveLength(1);
  });
});

describe("PDF policy", () => {
  it("parses the policy file and applies the sender's action", async () => {
    const policy = parsePdfPolicy(
      JSON.stringify({ default: "warn", agencies: { [ORGAN]: "refuse" } }),
    );
    const unsigned = await verifyPdf(base, "plain.pdf", opts());
    expect(decidePdfPolicy(policy, ORGAN, [unsigned])).toMatchObject({
      action: "refuse",
      failing: [unsigned],
    });
    expect(decidePdfPolicy(policy, "000.00.01.G01", []).action).toBe("warn");
    expect(() => parsePdfPolicy('{"default":"block"}')).toThrow(/default/);
    expect(() => parsePdfPolicy('{"agencies":{"nope":"refuse"}}')).toThrow(/OrganId/);
  });
});
