import { spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OrganId } from "@edoc/directory";
import {
  createDevPki,
  type DevPkiState,
  type IssuedKeyPair,
  issueAgencyCertificate,
  issueCrl,
  revokeCertificate,
} from "@edoc/pki";
import {
  type SignOptions,
  signEdxml,
  type TrustPolicy,
  verifyEdxml,
  verifyPacket,
} from "@edoc/signature";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, letterXml } from "./fixtures.js";

// XAdES-BES: SignedProperties (SigningTime, SigningCertificate[V2]) under a second, typed
// Reference; everything else about the signature stays as strict as plain XML-DSig.
const A = "000.00.12.H53" as OrganId;
const B = "000.00.13.H53" as OrganId;
const DAY = 24 * 3600 * 1000;
const NOW = Date.now();

let pki: DevPkiState;
let agencyA: IssuedKeyPair;
let agencyB: IssuedKeyPair;
let policy: TrustPolicy;
let dir: string;

function signAs(who: IssuedKeyPair, extra: Partial<SignOptions> = {}, xml = letterXml(A)): string {
  return signEdxml(xml, {
    privateKeyPem: who.privateKeyPem,
    certificatePem: who.certificatePem,
    chainPems: [pki.issuing.certificatePem],
    xades: true,
    ...extra,
  });
}

beforeAll(async () => {
  pki = await createDevPki({ now: new Date(NOW - 60 * DAY) });
  // Backdated, so that signing times in the past fall inside their validity.
  const notBefore = new Date(NOW - 30 * DAY);
  agencyA = await issueAgencyCertificate(pki, { organId: A, name: "Sở Tài chính", notBefore });
  agencyB = await issueAgencyCertificate(agencyA.state, {
    organId: B,
    name: "Sở Nội vụ",
    notBefore,
  });
  pki = agencyB.state;
  policy = { trustAnchors: [pki.root.certificatePem] };
  dir = mkdtempSync(join(tmpdir(), "edoc-xades-"));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("XAdES-BES signing and verification", () => {
  it("signEdxml({ xades: true }) verifies, reporting the signing time and the certificate match", async () => {
    const signed = signAs(agencyA);
    expect(signed).toContain('Type="http://uri.etsi.org/01903#SignedProperties"');
    expect(signed).toMatch(/<xades:SigningTime>[^<]+Z<\/xades:SigningTime>/);
    const { report, packet } = await verifyPacket(signed, policy);
    expect(report.reasons).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.xades?.signingCertificateMatches).toBe(true);
    const signingTime = Date.parse(report.xades?.signingTime ?? "");
    expect(Math.abs(signingTime - Date.now())).toBeLessThan(60_000);
    // Without policy.at, certificates are judged as of the signed signing time.
    expect(report.validatedAt).toBe(report.xades?.signingTime);
    // The document reference is still what the packet is read from.
    expect(report.signedXml).not.toContain("SignedProperties");
    expect(packet?.kind === "letter" && packet.header.from.organId).toBe(A);
  });

  it("plain XML-DSig reports no xades and is judged now", async () => {
    const signed = signAs(agencyA, { xades: false });
    const report = await verifyEdxml(signed, policy);
    expect(report.valid).toBe(true);
    expect(report.xades).toBeUndefined();
    expect(Math.abs(Date.parse(report.validatedAt ?? "") - Date.now())).toBeLessThan(60_000);
  });

  it("the v1 SigningCertificate with IssuerSerial, and an explicit signing time, verify too", async () => {
    const at = new Date(NOW - 2 * DAY);
    const signed = signAs(agencyA, { xades: { signingCertificate: "v1", signingTime: at } });
    expect(signed).toContain("<xades:SigningCertificate>");
    expect(signed).toContain("<ds:X509SerialNumber>");
    const report = await verifyEdxml(signed, policy);
    expect(report.reasons).toEqual([]);
    expect(report.xades).toEqual({
      signingTime: new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString(),
      signingCertificateMatches: true,
    });
  });

  it("ECDSA and RSA-PSS signers produce XAdES-BES too", async () => {
    const ec = await issueAgencyCertificate(pki, {
      organId: A,
      name: "EC signer",
      keyAlgorithm: "ecdsa-p256",
    });
    for (const signed of [signAs(ec), signAs(agencyA, { algorithm: "rsa-pss-sha256" })]) {
      const report = await verifyEdxml(signed, policy);
      expect(report.reasons).toEqual([]);
      expect(report.xades?.signingCertificateMatches).toBe(true);
    }
  });
});

describe("XAdES tampering", () => {
  it("a changed SigningTime is SIGNATURE_REFERENCE_INVALID naming the SignedProperties", async () => {
    const signed = signAs(agencyA, { xades: { signingTime: new Date("2026-01-02T03:04:05Z") } });
    const tampered = signed.replace("2026-01-02T03:04:05Z", "2025-01-02T03:04:05Z");
    expect(tampered).not.toBe(signed);
    const report = await verifyEdxml(tampered, policy);
    expect(codes(report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    expect(report.reasons[0]?.message).toContain("SignedProperties");
    expect(report.valid).toBe(false);
  });

  it("a changed CertDigest is SIGNATURE_REFERENCE_INVALID too (it is signed)", async () => {
    const signed = signAs(agencyA);
    const tampered = signed.replace(
      /(<xades:CertDigest>[\s\S]*?<ds:DigestValue>)([^<]+)/,
      `$1${createHash("sha256").update("other").digest("base64")}`,
    );
    expect(codes(await verifyEdxml(tampered, policy))).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
  });

  it("a SigningCertificate naming another certificate is SIGNATURE_XADES_CERT_MISMATCH", async () => {
    for (const version of ["v2", "v1"] as const) {
      const signed = signAs(agencyA, {
        xades: { certificatePem: agencyB.certificatePem, signingCertificate: version },
      });
      const report = await verifyEdxml(signed, policy);
      expect(codes(report)).toEqual(["SIGNATURE_XADES_CERT_MISMATCH"]);
      expect(report.reasons[0]?.message).toContain("UID=000.00.12.H53");
      expect(report.xades?.signingCertificateMatches).toBe(false);
      expect(report.valid).toBe(false);
    }
  });

  it("the document itself is still covered: a changed Subject is SIGNATURE_REFERENCE_INVALID", async () => {
    const signed = signAs(agencyA);
    const tampered = signed.replace("V/v kết nối", "V/v kết nốj");
    const report = await verifyEdxml(tampered, policy);
    expect(codes(report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    expect(report.reasons[0]?.message).toContain("document changed");
  });
});

describe("XAdES wrapping rules", () => {
  let signed: string;
  let object: string;
  beforeAll(() => {
    signed = signAs(agencyA);
    object = signed.slice(signed.indexOf("<Object>"), signed.indexOf("</Object>") + 9);
  });

  it("SignedProperties moved out of the Signature: SIGNATURE_REFERENCE_INVALID", async () => {
    const moved = signed
      .replace(object, "")
      .replace("</edXML:edXMLBody>", `${object}</edXML:edXMLBody>`);
    const report = await verifyEdxml(moved, policy);
    expect(codes(report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    expect(report.reasons[0]?.message).toContain("Signature/Object/QualifyingProperties");
  });

  it("a second element with the same Id: SIGNATURE_REFERENCE_INVALID", async () => {
    const id = /SignedProperties Id="([^"]+)"/.exec(signed)?.[1] ?? "";
    const twice = signed.replace("</KeyInfo>", `<KeyName Id="${id}">x</KeyName></KeyInfo>`);
    const report = await verifyEdxml(twice, policy);
    expect(codes(report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    expect(report.reasons[0]?.message).toContain("2 elements carry the id");
  });

  it("two XAdES References, another transform or a non-fragment URI: SIGNATURE_REFERENCE_INVALID", async () => {
    const xadesRef = /<Reference URI="#[^"]+" Type="[^"]+">[\s\S]*?<\/Reference>/;
    const ref = xadesRef.exec(signed)?.[0] ?? "";
    const variants = [
      signed.replace(ref, `${ref}${ref}`),
      signed.replace(
        ref,
        ref.replace(
          "<Transforms>",
          '<Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>',
        ),
      ),
      signed.replace(ref, ref.replace(/URI="#[^"]+"/, 'URI="http://example.com/props"')),
    ];
    for (const variant of variants) {
      expect(codes(await verifyEdxml(variant, policy))).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    }
  });

  it('the document Reference rules are unchanged: without URI="" the XAdES Reference alone is refused', async () => {
    const withoutDocRef = signed.replace(/<Reference URI="">[\s\S]*?<\/Reference>/, "");
    expect(codes(await verifyEdxml(withoutDocRef, policy))).toEqual([
      "SIGNATURE_REFERENCE_INVALID",
    ]);
  });

  it("unsigned QualifyingProperties (no typed Reference) are ignored, not reported", async () => {
    const plain = signAs(agencyA, { xades: false });
    const withObject = plain.replace("</Signature>", `${object}</Signature>`);
    const report = await verifyEdxml(withObject, policy);
    expect(report.valid).toBe(true);
    expect(report.xades).toBeUndefined();
  });
});

describe("validation time", () => {
  it("without policy.at an expired certificate is judged as of the signed signing time", async () => {
    const old = await issueAgencyCertificate(pki, {
      organId: A,
      name: "Sở Tài chính (2024)",
      notBefore: new Date(NOW - 30 * DAY),
      notAfter: new Date(NOW - 10 * DAY),
    });
    const signed = signAs(old, { xades: { signingTime: new Date(NOW - 20 * DAY) } });
    const then = await verifyEdxml(signed, policy);
    expect(then.reasons).toEqual([]);
    expect(then.validatedAt).toBe(then.xades?.signingTime);
    const now = await verifyEdxml(signed, { ...policy, at: new Date() });
    expect(codes(now)).toEqual(["CERT_EXPIRED"]);
  });

  it("a certificate revoked after the signing time was good then; revoked before, CERT_REVOKED", async () => {
    const c = await issueAgencyCertificate(pki, {
      organId: A,
      name: "Sở Tài chính (revoked)",
      notBefore: new Date(NOW - 30 * DAY),
    });
    const revoked = revokeCertificate(c.state, c.serialNumber, { at: new Date(NOW - DAY) });
    const crl = await issueCrl(revoked);
    const before = signAs(c, { xades: { signingTime: new Date(NOW - 2 * DAY) } });
    const after = signAs(c, { xades: { signingTime: new Date(NOW - 3600_000) } });
    expect(codes(await verifyEdxml(before, { ...policy, crls: [crl] }))).toEqual([]);
    expect(codes(await verifyEdxml(after, { ...policy, crls: [crl] }))).toEqual(["CERT_REVOKED"]);
  });
});

describe("xmlsec1 interop", () => {
  function xmlsec1(args: string[]): { status: number | null; output: string } {
    const run = spawnSync("xmlsec1", args, { encoding: "utf8" });
    if (run.error) throw new Error(`xmlsec1 is not installed (run: bash infra/xmlsec.sh)`);
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  }
  const file = (name: string) => join(dir, name);
  const idAttr = ["--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties"];

  it("xmlsec1 verifies both References of what signEdxml signs with XAdES", () => {
    writeFileSync(file("root.pem"), pki.root.certificatePem);
    writeFileSync(file("issuing.pem"), pki.issuing.certificatePem);
    writeFileSync(file("xades.edxml"), signAs(agencyA));
    const ok = xmlsec1([
      "--verify",
      ...idAttr,
      "--trusted-pem",
      file("root.pem"),
      "--untrusted-pem",
      file("issuing.pem"),
      file("xades.edxml"),
    ]);
    expect(ok.output).toContain("OK");
    expect(ok.status).toBe(0);
  });

  it("a XAdES-BES signature made by xmlsec1 from a template passes verifyPacket", async () => {
    writeFileSync(file("key.pem"), agencyA.privateKeyPem);
    writeFileSync(file("cert.pem"), agencyA.certificatePem);
    const der = new X509Certificate(agencyA.certificatePem).raw;
    const certDigest = createHash("sha256").update(der).digest("base64");
    // Yesterday, written in Vietnam's offset as a local signer would.
    const signedAt = new Date(Math.floor((NOW - DAY) / 1000) * 1000);
    const local = new Date(signedAt.getTime() + 7 * 3600_000).toISOString().slice(0, 19);
    const template = `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="S1">
        <ds:SignedInfo>
          <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
          <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
          <ds:Reference URI="">
            <ds:Transforms>
              <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
              <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
            </ds:Transforms>
            <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
            <ds:DigestValue/>
          </ds:Reference>
          <ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#SP1">
            <ds:Transforms>
              <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
            </ds:Transforms>
            <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
            <ds:DigestValue/>
          </ds:Reference>
        </ds:SignedInfo>
        <ds:SignatureValue/>
        <ds:KeyInfo><ds:X509Data/></ds:KeyInfo>
        <ds:Object>
          <xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#S1">
            <xades:SignedProperties Id="SP1">
              <xades:SignedSignatureProperties>
                <xades:SigningTime>${local}+07:00</xades:SigningTime>
                <xades:SigningCertificateV2>
                  <xades:Cert>
                    <xades:CertDigest>
                      <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
                      <ds:DigestValue>${certDigest}</ds:DigestValue>
                    </xades:CertDigest>
                  </xades:Cert>
                </xades:SigningCertificateV2>
              </xades:SignedSignatureProperties>
            </xades:SignedProperties>
          </xades:QualifyingProperties>
        </ds:Object>
      </ds:Signature>
    </edXML:edXMLHeader>`;
    writeFileSync(file("template.edxml"), letterXml(A).replace("</edXML:edXMLHeader>", template));
    const run = xmlsec1([
      "--sign",
      ...idAttr,
      "--privkey-pem",
      `${file("key.pem")},${file("cert.pem")},${file("issuing.pem")}`,
      "--output",
      file("xmlsec-xades.edxml"),
      file("template.edxml"),
    ]);
    expect(run.output).toBe("");
    expect(run.status).toBe(0);
    const { report } = await verifyPacket(readFileSync(file("xmlsec-xades.edxml")), policy);
    expect(report.reasons).toEqual([]);
    expect(report.xades).toEqual({
      signingTime: signedAt.toISOString(),
      signingCertificateMatches: true,
    });
  });
});
