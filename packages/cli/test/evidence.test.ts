import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { build, editText, makeWorld, tamper, type World } from "../../evidence/test/world.js";
import { basePdf, signPdf } from "../../pades/test/pyhanko.js";
import { evidenceCommand } from "../src/commands/evidence.js";
import { runWithStderr } from "./run.js";

// `edoc evidence verify` on real bundles (the evidence package's test world), and the exit
// codes of both subcommands; export against a running hub is in tests/e2e/evidence.test.ts.
const scratch = mkdtempSync(join(tmpdir(), "edoc-evidence-cli-"));
const file = (name: string) => join(scratch, name);
let w: World;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const run = runWithStderr;

beforeAll(async () => {
  w = await makeWorld();
  const bundle = build(w);
  writeFileSync(file("ok.zip"), bundle);
  writeFileSync(
    file("tampered.zip"),
    tamper(
      bundle,
      (f) => editText(f, "letter.edxml", (s) => s.replace("kết nối", "kết nốj")),
      false,
    ),
  );
  writeFileSync(file("root.pem"), w.pki.root.certificatePem);
  writeFileSync(file("chain.pem"), `${w.pki.issuing.certificatePem}${w.pki.root.certificatePem}`);
  writeFileSync(file("issuing-only.pem"), w.pki.issuing.certificatePem);
  writeFileSync(file("junk.zip"), "not a zip");
}, 60_000);

describe("edoc evidence verify", () => {
  it("exit 0 and VALID for an untouched bundle (text and --json)", async () => {
    const text = await run(evidenceCommand, "verify", file("ok.zip"), "--trust", file("root.pem"));
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^VALID: evidence for doc_letter_one/);
    expect(text.out).toContain("ok    MANIFEST_DIGEST".replace("MANIFEST_DIGEST", "manifest"));
    expect(text.out).toContain("seq 8     acknowledged");
    const json = await run(
      evidenceCommand,
      "verify",
      file("ok.zip"),
      "--trust",
      file("chain.pem"),
      "--json",
    );
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as { valid: boolean; checks: unknown[] };
    expect(report.valid).toBe(true);
    expect(report.checks).toHaveLength(11);
  });

  it("exit 1 with each failed check printed", async () => {
    const r = await run(
      evidenceCommand,
      "verify",
      file("tampered.zip"),
      "--trust",
      file("root.pem"),
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^INVALID: 5 of 11 checks failed/);
    expect(r.out).toMatch(/FAIL\s+MANIFEST_DIGEST\s+letter\.edxml: SHA-256 is/);
    expect(r.out).toMatch(/FAIL\s+LETTER_SIGNATURE\s+/);
  });

  it("exit 2 for an unreadable file, a non-ZIP, missing or anchorless --trust, bad usage", async () => {
    const trust = ["--trust", file("root.pem")];
    expect((await run(evidenceCommand, "verify", file("missing.zip"), ...trust)).code).toBe(2);
    const junk = await run(evidenceCommand, "verify", file("junk.zip"), ...trust, "--json");
    expect(junk.code).toBe(2);
    expect(JSON.parse(junk.out)).toMatchObject({ valid: false, code: "BUNDLE_UNREADABLE" });
    expect((await run(evidenceCommand, "verify", file("ok.zip"))).code).toBe(2);
    expect(
      (await run(evidenceCommand, "verify", file("ok.zip"), "--trust", file("issuing-only.pem")))
        .code,
    ).toBe(2);
    expect((await run(evidenceCommand, "verify")).code).toBe(2);
    expect((await run(evidenceCommand, "nonsense")).code).toBe(2);
  });
});

describe("edoc evidence export", () => {
  it("exit 2 without --document or -o, and when the broker is unreachable", async () => {
    expect((await run(evidenceCommand, "export", "-o", file("x.zip"))).code).toBe(2);
    expect((await run(evidenceCommand, "export", "--document", "doc_x")).code).toBe(2);
    const r = await run(
      evidenceCommand,
      "export",
      "--document",
      "doc_x",
      "-o",
      file("x.zip"),
      "--amqp",
      "amqp://guest:guest@127.0.0.1:1",
    );
    expect(r.code).toBe(2);
    expect(r.out).toContain("cannot reach the hub's broker");
  });
});

describe("edoc evidence verify with a signed PDF", () => {
  it("lists each PDF and its signatures, verified offline", async () => {
    const pw = await makeWorld({
      pdf: (sender, pki) =>
        signPdf(basePdf(), { ...sender, chainPem: pki.issuing.certificatePem }, "Seal"),
    });
    const recorded = { pdfs: [{ path: "congvan.pdf", verdict: "PDF_SIGNATURE_VALID" }] };
    writeFileSync(file("pdf.zip"), build(pw, { pdfSignatures: recorded }));
    writeFileSync(file("pdf-root.pem"), pw.pki.root.certificatePem);
    const out = await run(
      evidenceCommand,
      "verify",
      file("pdf.zip"),
      "--trust",
      file("pdf-root.pem"),
    );
    expect(out.code).toBe(0);
    expect(out.out).toContain("pdf         congvan.pdf: PDF_SIGNATURE_VALID");
    expect(out.out).toMatch(/seal .*Sở Tài chính.*: PDF_SIGNATURE_VALID/);
  }, 60_000);
});
