import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { pkiCommand } from "../src/commands/pki.js";
import { signCommand } from "../src/commands/sign.js";
import { verifyCommand } from "../src/commands/verify.js";
import { run } from "./run.js";

const A = "000.00.12.H53";
const B = "000.00.13.H53";
const NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
const scratch = mkdtempSync(join(tmpdir(), "edoc-sign-cli-"));
const pki = join(scratch, "pki");
const file = (name: string) => join(scratch, name);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function letter(from: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXML xmlns:edXML="${NS}">
  <edXML:edXMLEnvelope>
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From><edXML:OrganId>${from}</edXML:OrganId><edXML:OrganName>Sở Tài chính</edXML:OrganName></edXML:From>
        <edXML:To><edXML:OrganId>000.00.00.H53</edXML:OrganId><edXML:OrganName>UBND tỉnh</edXML:OrganName></edXML:To>
        <edXML:DocumentId>${from},2024/05/02,12/STC-VP</edXML:DocumentId>
        <edXML:Code><edXML:CodeNumber>12</edXML:CodeNumber><edXML:CodeNotation>STC-VP</edXML:CodeNotation></edXML:Code>
        <edXML:PromulgationInfo><edXML:Place>Tây Ninh</edXML:Place><edXML:PromulgationDate>2024/05/02</edXML:PromulgationDate></edXML:PromulgationInfo>
        <edXML:Subject>Báo cáo quý II</edXML:Subject>
      </edXML:MessageHeader>
      <edXML:TraceHeaderList>
        <edXML:Bussiness><edXML:BussinessDocType>0</edXML:BussinessDocType></edXML:Bussiness>
      </edXML:TraceHeaderList>
    </edXML:edXMLHeader>
    <edXML:edXMLBody><edXML:edXMLManifest/></edXML:edXMLBody>
  </edXML:edXMLEnvelope>
</edXML:edXML>
`;
}

beforeAll(async () => {
  expect((await run(pkiCommand, "init", "--dir", pki)).code).toBe(0);
  expect((await run(pkiCommand, "issue", "--dir", pki, "--organ", A)).code).toBe(0);
  expect((await run(pkiCommand, "issue", "--dir", pki, "--organ", B)).code).toBe(0);
  writeFileSync(file("letter.edxml"), letter(A));
});

const agency = (organ: string, name: string) => join(pki, "agencies", organ, name);
const trust = () => ["--trust", join(pki, "root-ca.pem"), "--trust", join(pki, "issuing-ca.pem")];

describe("edoc sign and edoc verify", () => {
  it("init -> issue -> sign -> verify exits 0", async () => {
    const signed = await run(
      signCommand,
      file("letter.edxml"),
      "--key",
      agency(A, "key.pem"),
      "--cert",
      agency(A, "cert.pem"),
      "--chain",
      join(pki, "issuing-ca.pem"),
      "-o",
      file("signed.edxml"),
    );
    expect(signed.code).toBe(0);
    const { code, out } = await run(
      verifyCommand,
      file("signed.edxml"),
      "--trust",
      join(pki, "root-ca.pem"),
    );
    expect(out).toContain("VALID");
    expect(out).toContain(`organ ids   ${A}`);
    expect(code).toBe(0);
  });

  it("--json prints valid, reasons, signer, algorithm and chain", async () => {
    await run(
      signCommand,
      file("letter.edxml"),
      "--p12",
      agency(A, "agency.p12"),
      "--password",
      "changeit",
      "-o",
      file("p12.edxml"),
    );
    const { code, out } = await run(verifyCommand, file("p12.edxml"), ...trust(), "--json");
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report).toMatchObject({
      valid: true,
      reasons: [],
      algorithm: "rsa-sha256",
      signer: { organId: A, organIds: [A] },
      packet: { kind: "letter", from: A },
      revocation: "unchecked",
    });
    expect(report.signer.subject).toContain(`UID=${A}`);
    expect(report.chain).toHaveLength(3);
    expect(report.signedXml).toBeUndefined();
  });

  it("prints the signed document on stdout without -o", async () => {
    const { code, out } = await run(
      signCommand,
      file("letter.edxml"),
      "--key",
      agency(A, "key.pem"),
      "--cert",
      agency(A, "cert.pem"),
    );
    expect(code).toBe(0);
    expect(out).toContain('<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">');
  });

  it("a letter signed by another agency than From exits 1 with SIGNER_NOT_BOUND", async () => {
    await run(
      signCommand,
      file("letter.edxml"),
      "--key",
      agency(B, "key.pem"),
      "--cert",
      agency(B, "cert.pem"),
      "-o",
      file("wrong.edxml"),
    );
    const { code, out } = await run(verifyCommand, file("wrong.edxml"), ...trust());
    expect(code).toBe(1);
    expect(out).toContain("SIGNER_NOT_BOUND");
  });

  it("revoke + crl -> verify --crl exits 1 with CERT_REVOKED", async () => {
    await run(
      signCommand,
      file("letter.edxml"),
      "--key",
      agency(A, "key.pem"),
      "--cert",
      agency(A, "cert.pem"),
      "-o",
      file("to-revoke.edxml"),
    );
    expect(
      (await run(pkiCommand, "revoke", "--dir", pki, "--organ", A, "--reason", "keyCompromise"))
        .code,
    ).toBe(0);
    expect((await run(pkiCommand, "crl", "--dir", pki)).code).toBe(0);
    const { code, out } = await run(
      verifyCommand,
      file("to-revoke.edxml"),
      ...trust(),
      "--crl",
      join(pki, "crl.pem"),
      "--json",
    );
    expect(code).toBe(1);
    const report = JSON.parse(out);
    expect(report.valid).toBe(false);
    expect(report.reasons.map((r: { code: string }) => r.code)).toEqual(["CERT_REVOKED"]);
    expect(report.revocation).toBe("checked");
    // Validated before the revocation, the same file was fine.
    const before = await run(
      verifyCommand,
      file("to-revoke.edxml"),
      ...trust(),
      "--crl",
      join(pki, "crl.pem"),
      "--at",
      new Date(Date.now() - 60_000).toISOString(),
    );
    expect(before.code).toBe(0);
  });

  it("a tampered file exits 1; garbage and non-edXML exit 2", async () => {
    const signed = readFileSync(file("signed.edxml"), "utf8");
    writeFileSync(file("tampered.edxml"), signed.replace("Báo cáo quý II", "Báo cáo quý III"));
    const tampered = await run(verifyCommand, file("tampered.edxml"), ...trust());
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain("SIGNATURE_REFERENCE_INVALID");

    writeFileSync(file("garbage.edxml"), "\u0000\u0001 not xml <<<");
    const garbage = await run(verifyCommand, file("garbage.edxml"), ...trust(), "--json");
    expect(garbage.code).toBe(2);
    expect(JSON.parse(garbage.out).code).toMatch(/^EDXML_/);

    writeFileSync(file("other.xml"), "<receipt><id>1</id></receipt>");
    const other = await run(verifyCommand, file("other.xml"), ...trust());
    expect(other.code).toBe(2);
    expect(other.out).toContain("edXML");

    expect((await run(verifyCommand, file("missing.edxml"), ...trust())).code).toBe(2);
  });

  it("an unsigned letter exits 1 with SIGNATURE_MISSING; signing a signed one needs --replace", async () => {
    const unsigned = await run(verifyCommand, file("letter.edxml"), ...trust());
    expect(unsigned.code).toBe(1);
    expect(unsigned.out).toContain("SIGNATURE_MISSING");
    const again = await run(
      signCommand,
      file("signed.edxml"),
      "--key",
      agency(B, "key.pem"),
      "--cert",
      agency(B, "cert.pem"),
    );
    expect(again.code).toBe(1);
    expect(again.out).toContain("SIGNATURE_EXISTS");
  });

  it("bad options exit 2", async () => {
    expect((await run(signCommand, file("letter.edxml"))).code).toBe(2);
    expect(
      (
        await run(
          signCommand,
          file("letter.edxml"),
          "--p12",
          agency(B, "agency.p12"),
          "--password",
          "wrong",
        )
      ).code,
    ).toBe(2);
    expect(
      (await run(verifyCommand, file("signed.edxml"), ...trust(), "--at", "yesterday")).code,
    ).toBe(2);
    expect(
      (await run(verifyCommand, file("signed.edxml"), "--trust", file("letter.edxml"))).code,
    ).toBe(2);
  });
});
