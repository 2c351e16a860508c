import { verifyBundle } from "@edoc/evidence";
import { describe, expect, it } from "vitest";
import { basePdf, signPdf } from "../../pades/test/pyhanko.js";
import { build, editJson, makeWorld, tamper } from "./world.js";

// A letter carrying a PDF sealed (pyHanko) by its sender: the bundle keeps the hub's PDF report
// (pdf-signatures.json) and `verifyBundle` verifies the PDF again offline and compares.
describe("PDF signatures in the evidence bundle", () => {
  it("re-verified offline and as recorded; a rewritten record is PDF_SIGNATURES", async () => {
    const w = await makeWorld({
      pdf: (sender, pki) =>
        signPdf(basePdf(), { ...sender, chainPem: pki.issuing.certificatePem }, "Seal"),
    });
    const recorded = {
      policy: "record",
      warning: false,
      pdfs: [{ path: "congvan.pdf", verdict: "PDF_SIGNATURE_VALID" }],
    };
    const bundle = build(w, { pdfSignatures: recorded });
    const trust = { trustAnchors: [w.pki.root.certificatePem] };
    const report = await verifyBundle(bundle, trust);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.pdfs).toEqual([
      {
        path: "congvan.pdf",
        verdict: "PDF_SIGNATURE_VALID",
        recordedVerdict: "PDF_SIGNATURE_VALID",
        signatures: [
          {
            holder: "seal",
            verdict: "PDF_SIGNATURE_VALID",
            signer: expect.stringContaining("Sở Tài chính"),
            coversWholeFile: true,
          },
        ],
      },
    ]);

    const forged = tamper(bundle, (files) =>
      editJson<typeof recorded>(files, "pdf-signatures.json", (v) => {
        v.pdfs[0]!.verdict = "PDF_UNSIGNED";
      }),
    );
    const bad = await verifyBundle(forged, trust);
    expect(bad.checks.filter((c) => !c.ok).map((c) => c.code)).toEqual(["PDF_SIGNATURES"]);
    expect(bad.checks.find((c) => c.code === "PDF_SIGNATURES")?.message).toMatch(
      /congvan\.pdf is PDF_SIGNATURE_VALID offline, the hub recorded PDF_UNSIGNED/,
    );
  }, 60_000);
});
