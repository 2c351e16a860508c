import type { PdfCheck } from "@edoc/messages";
import { describe, expect, it } from "vitest";
import { pdfChecksCard } from "../src/views/pdfs.js";

const signature = {
  index: 1,
  subFilter: "ETSI.CAdES.detached",
  holder: "person" as const,
  signingTime: "2026-12-04T01:00:00.000Z",
  signingTimeSource: "dictionary" as const,
  byteRange: [0, 10, 20, 30] as [number, number, number, number],
  revocation: "checked" as const,
  signer: {
    subject: "CN=Nguyễn Văn <An>",
    issuer: "CN=CA",
    serialNumber: "0a",
    organIds: ["000.00.02.H45"],
    fingerprintSha256: "ab",
    notBefore: "2026-01-01T00:00:00.000Z",
    notAfter: "2027-01-01T00:00:00.000Z",
  },
};

describe("the letter page's PDF signatures card", () => {
  it("shows each PDF's verdict, signer (escaped), seal or person, updates and reasons; warns", () => {
    const check: PdfCheck = {
      policy: "warn",
      warning: true,
      pdfs: [
        {
          path: "vanban.zip!/congvan.pdf",
          size: 1234,
          sha256: "0".repeat(64),
          verdict: "PDF_CERT_REVOKED",
          modifiedAfterLastSignature: false,
          validatedAt: "2026-12-04T02:00:00.000Z",
          signatures: [
            {
              ...signature,
              verdict: "PDF_CERT_REVOKED",
              coversWholeFile: false,
              reasons: [{ code: "PDF_CERT_REVOKED", detail: "CERT_REVOKED", message: "revoked" }],
            },
          ],
        },
        {
          path: "phuluc.pdf",
          size: 10,
          sha256: "1".repeat(64),
          verdict: "PDF_UNSIGNED",
          modifiedAfterLastSignature: false,
          validatedAt: "2026-12-04T02:00:00.000Z",
          signatures: [],
        },
      ],
    };
    const out = pdfChecksCard(check, 420).value;
    expect(out).toContain("vanban.zip!/congvan.pdf");
    expect(out).toContain('data-verdict="PDF_CERT_REVOKED"');
    expect(out).toContain("Chứng thư số đã bị thu hồi");
    expect(out).toContain("CN=Nguyễn Văn &lt;An&gt;");
    expect(out).toContain("Cá nhân");
    expect(out).toContain("có cập nhật sau chữ ký này");
    expect(out).toContain("CERT_REVOKED: revoked");
    expect(out).toContain("04/12/2026 08:00:00");
    expect(out).toContain('data-verdict="PDF_UNSIGNED"');
    expect(out).toContain("Cảnh báo");
    expect(pdfChecksCard(undefined, 420).value).toBe("");
  });
});
