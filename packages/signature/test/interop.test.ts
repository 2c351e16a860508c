import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OrganId } from "@edoc/directory";
import {
  createDevPki,
  type DevPkiState,
  type IssuedKeyPair,
  issueAgencyCertificate,
} from "@edoc/pki";
import { signEdxml, verifyPacket } from "@edoc/signature";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { letterXml } from "./fixtures.js";

// Interoperability with libxmlsec1, the reference XML-DSig implementation. `bash infra/xmlsec.sh`
// installs it (the project's test script runs it first); without it this test fails, on purpose.
const A = "000.00.12.H53" as OrganId;

/** An enveloped-signature template for `xmlsec1 --sign` (exc-c14n, rsa-sha256, URI=""). */
const TEMPLATE = `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">
        <SignedInfo>
          <CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
          <SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
          <Reference URI="">
            <Transforms>
              <Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
              <Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
            </Transforms>
            <DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
            <DigestValue/>
          </Reference>
        </SignedInfo>
        <SignatureValue/>
        <KeyInfo><X509Data/></KeyInfo>
      </Signature>
    </edXML:edXMLHeader>`;

let dir: string;
let pki: DevPkiState;
let agency: IssuedKeyPair;
const file = (name: string) => join(dir, name);

function xmlsec1(args: string[]): { status: number | null; output: string } {
  const run = spawnSync("xmlsec1", args, { encoding: "utf8" });
  if (run.error) {
    throw new Error(`xmlsec1 is not installed (run: bash infra/xmlsec.sh): ${run.error.message}`);
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** `xmlsec1 --verify` against the dev PKI (root trusted, issuing CA untrusted). */
const xmlsecVerify = (signed: string) =>
  xmlsec1([
    "--verify",
    "--trusted-pem",
    file("root.pem"),
    "--untrusted-pem",
    file("issuing.pem"),
    signed,
  ]);

/** `xmlsec1 --sign` of a template with the agency's key, certificate and issuing CA. */
const xmlsecSign = (template: string, output: string) =>
  xmlsec1([
    "--sign",
    "--privkey-pem",
    `${file("key.pem")},${file("cert.pem")},${file("issuing.pem")}`,
    "--output",
    output,
    template,
  ]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "edoc-xmlsec-"));
  pki = await createDevPki();
  agency = await issueAgencyCertificate(pki, { organId: A, name: "Sở Tài chính" });
  writeFileSync(file("root.pem"), pki.root.certificatePem);
  writeFileSync(file("issuing.pem"), pki.issuing.certificatePem);
  writeFileSync(file("key.pem"), agency.privateKeyPem);
  writeFileSync(file("cert.pem"), agency.certificatePem);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("xmlsec1", () => {
  it("is installed", () => {
    expect(execFileSync("xmlsec1", ["--version"], { encoding: "utf8" })).toMatch(/xmlsec1/);
  });

  // xmlsec1 1.2 (Debian 12) has no RSA-PSS (sha256-rsa-MGF1); that one is checked in-process only.
  it("verifies what signEdxml signs (RSA and ECDSA), and rejects it once tampered", async () => {
    const ec = await issueAgencyCertificate(pki, {
      organId: A,
      name: "EC signer",
      keyAlgorithm: "ecdsa-p256",
    });
    for (const signer of [agency, ec]) {
      const signed = signEdxml(letterXml(A), {
        privateKeyPem: signer.privateKeyPem,
        certificatePem: signer.certificatePem,
        chainPems: [pki.issuing.certificatePem],
      });
      writeFileSync(file("signed.edxml"), signed);
      const ok = xmlsecVerify(file("signed.edxml"));
      expect(ok.output).toContain("OK");
      expect(ok.status).toBe(0);

      writeFileSync(file("tampered.edxml"), signed.replace("V/v kết nối", "V/v kết nốj"));
      const bad = xmlsecVerify(file("tampered.edxml"));
      expect(bad.status).not.toBe(0);
    }
  });

  it('signs from a template (exc-c14n, rsa-sha256, enveloped, URI="") and verifyPacket accepts it', async () => {
    writeFileSync(file("template.edxml"), letterXml(A).replace("</edXML:edXMLHeader>", TEMPLATE));
    const run = xmlsecSign(file("template.edxml"), file("xmlsec-signed.edxml"));
    expect(run.output).toBe("");
    expect(run.status).toBe(0);
    const signed = readFileSync(file("xmlsec-signed.edxml"));
    expect(signed.toString("utf8")).toMatch(
      /<SignatureValue>[A-Za-z0-9+/=\s]{300,}<\/SignatureValue>/,
    );

    const { report, packet } = await verifyPacket(signed, {
      trustAnchors: [pki.root.certificatePem],
      intermediates: [pki.issuing.certificatePem],
    });
    expect(report.reasons).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.signer?.organIds).toEqual([A]);
    expect(packet?.kind === "letter" && packet.header.from.organId).toBe(A);
  });

  it("an undeclared xlink: prefix on Reference (field packets): signed by xmlsec1, verified here over the bytes as written; signed here, verified by xmlsec1", async () => {
    const withXlink = letterXml(A).replace("<edXML:Reference>", '<edXML:Reference xlink:href="">');
    const policy = {
      trustAnchors: [pki.root.certificatePem],
      intermediates: [pki.issuing.certificatePem],
    };
    writeFileSync(file("xlink.edxml"), withXlink.replace("</edXML:edXMLHeader>", TEMPLATE));
    const run = xmlsecSign(file("xlink.edxml"), file("xlink-signed.edxml"));
    expect(run.status).toBe(0);
    const signed = readFileSync(file("xlink-signed.edxml"), "utf8");
    expect(signed).toContain('<edXML:Reference xlink:href="">');

    const { report, packet } = await verifyPacket(signed, policy);
    expect(report.reasons).toEqual([]);
    expect(report.valid).toBe(true);
    // The digest is over the attribute as written: no declaration invented.
    expect(report.signedXml).toContain('<edXML:Reference xlink:href="">');
    expect(report.signedXml).not.toContain("xmlns:xlink");
    expect(packet?.kind === "letter" && packet.manifest.map((m) => m.contentId)).toEqual(["209"]);
    const tampered = signed.replace('xlink:href=""', 'xlink:href="#x"');
    expect((await verifyPacket(tampered, policy)).report.valid).toBe(false);

    const ours = signEdxml(withXlink, {
      privateKeyPem: agency.privateKeyPem,
      certificatePem: agency.certificatePem,
      chainPems: [pki.issuing.certificatePem],
    });
    expect(ours).toContain('<edXML:Reference xlink:href="">');
    writeFileSync(file("xlink-ours.edxml"), ours);
    const ok = xmlsecVerify(file("xlink-ours.edxml"));
    expect(ok.output).toContain("OK");
    expect(ok.status).toBe(0);
    expect((await verifyPacket(ours, policy)).report.valid).toBe(true);
  });
});
