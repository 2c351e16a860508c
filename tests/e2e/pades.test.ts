import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basePdf, signPdf } from "../../packages/pades/test/pyhanko.js";
import { type Agent, api, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";

// Signed PDFs through a real hub: a letter whose zip attachment carries a PDF signed by pyHanko
// is accepted with its PDF report kept in the letter's record and trace; the sending agency's
// policy (EDOC_PDF_POLICY_FILE) refuses its letter with an unsigned PDF, another agency's
// policy only records it.
const COMMUNE = "000.20.30.H45"; // refuse
const DISTRICT = "000.00.30.H45"; // record (the default)
const PROVINCE = "000.00.02.H45"; // warn

const policyFile = join(mkdtempSync(join(tmpdir(), "pades-policy-")), "pdf-policy.json");
writeFileSync(
  policyFile,
  JSON.stringify({ default: "record", agencies: { [COMMUNE]: "refuse", [PROVINCE]: "warn" } }),
);
const hub = new TestHub({
  agencies: [COMMUNE, DISTRICT, PROVINCE],
  env: { EDOC_PDF_POLICY_FILE: policyFile },
});
const A = (id: string): Agent => hub.agent(id);

/** `extra` bytes of noise beside the PDF make the letter large enough to be spooled. */
function zipLetter(from: string, to: string, pdf: Uint8Array, extra = 0): Buffer {
  const zip = zipSync({
    "congvan.pdf": pdf,
    ...(extra > 0 ? { "phuluc.bin": randomBytes(extra) } : {}),
  });
  const { xml } = letterXml(from, [to], {
    attachments: [{ name: "vanban.zip", contentType: "application/zip", bytes: zip }],
  });
  return sign(A(from), xml);
}

/** A PDF sealed with the agency's own key by pyHanko. */
function sealedPdf(agent: Agent, pdf: Buffer): Buffer {
  const signer = {
    certificatePem: agent.certPem,
    privateKeyPem: agent.keyPem,
    chainPem: hub.chainPem,
  };
  return signPdf(pdf, signer, "Seal");
}

/** Sends an unsigned PDF in a zip from `from`. */
function sendUnsigned(from: string, to: string) {
  return api(hub, A(from), "POST", "/documents", zipLetter(from, to, unsigned));
}

interface Submitted {
  hubDocumentId: string;
  pdfSignatures: { warning: boolean; pdfs: { path: string; verdict: string }[] };
}

// The PDFs are made before any request: pyHanko takes seconds, long enough for the gateway to
// close an idle keep-alive connection under the next request (EPIPE).
let sealed: Buffer;
let unsigned: Buffer;
beforeAll(async () => {
  await hub.start();
  unsigned = basePdf();
  sealed = sealedPdf(A(COMMUNE), unsigned);
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

describe("PDF signatures through a real hub", () => {
  it("the warning agency's letter with an unsigned PDF is accepted and flagged", async () => {
    const sent = await sendUnsigned(PROVINCE, DISTRICT);
    expect(sent.status).toBe(202);
    expect((sent.json() as Submitted).pdfSignatures).toEqual({
      warning: true,
      pdfs: [{ path: "vanban.zip!/congvan.pdf", verdict: "PDF_UNSIGNED" }],
    });
  });

  it("a zip with a PDF sealed by the sender is accepted; the report is in the trace", async () => {
    const agent = A(COMMUNE);

    const sent = await api(hub, agent, "POST", "/documents", zipLetter(COMMUNE, DISTRICT, sealed));
    expect(sent.status).toBe(202);
    const body = sent.json() as Submitted;
    expect(body.pdfSignatures).toEqual({
      warning: false,
      pdfs: [{ path: "vanban.zip!/congvan.pdf", verdict: "PDF_SIGNATURE_VALID" }],
    });
    const trace = await api(hub, agent, "GET", `/documents/${body.hubDocumentId}/trace`);
    expect(trace.status).toBe(200);
    const check = (trace.json() as { pdfCheck: { policy: string; pdfs: unknown[] } }).pdfCheck;
    expect(check.policy).toBe("refuse");
    expect(check.pdfs).toMatchObject([
      {
        path: "vanban.zip!/congvan.pdf",
        verdict: "PDF_SIGNATURE_VALID",
        modifiedAfterLastSignature: false,
        signatures: [
          {
            verdict: "PDF_SIGNATURE_VALID",
            holder: "seal",
            coversWholeFile: true,
            revocation: "checked",
            signer: { organIds: [COMMUNE], serialNumber: agent.serialNumber },
          },
        ],
      },
    ]);
  });

  it("a large letter (spooled at the gateway) has its zipped PDF checked from the spool", async () => {
    const agent = A(COMMUNE);

    const bytes = zipLetter(COMMUNE, DISTRICT, sealed, 2 * 1024 * 1024);
    expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
    const sent = await api(hub, agent, "POST", "/documents", bytes);
    expect(sent.status).toBe(202);
    expect((sent.json() as Submitted).pdfSignatures.pdfs).toEqual([
      { path: "vanban.zip!/congvan.pdf", verdict: "PDF_SIGNATURE_VALID" },
    ]);
  });

  it("the refusing agency's letter with an unsigned PDF is PDF_SIGNATURE_REQUIRED", async () => {
    const sent = await sendUnsigned(COMMUNE, DISTRICT);
    expect(sent.status).toBe(422);
    const err = sent.json() as { code: string; details: { pdfs: { verdict: string }[] } };
    expect(err.code).toBe("PDF_SIGNATURE_REQUIRED");
    expect(err.details.pdfs.map((p) => p.verdict)).toEqual(["PDF_UNSIGNED"]);
  });

  it("an agency under the default policy gets its unsigned PDF recorded, not refused", async () => {
    const sent = await sendUnsigned(DISTRICT, COMMUNE);
    expect(sent.status).toBe(202);
    const body = sent.json() as Submitted;
    expect(body.pdfSignatures.pdfs.map((p) => p.verdict)).toEqual(["PDF_UNSIGNED"]);
    const trace = await api(hub, A(DISTRICT), "GET", `/documents/${body.hubDocumentId}/trace`);
    expect((trace.json() as { pdfCheck: { policy: string } }).pdfCheck.policy).toBe("record");
  });
});
