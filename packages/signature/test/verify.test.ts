import type { OrganId } from "@edoc/directory";
import { EdxmlError, parsePacket } from "@edoc/edxml";
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
import { DOMParser } from "@xmldom/xmldom";
import { beforeAll, describe, expect, it } from "vitest";
import { SignedXml } from "xml-crypto";
import { readFixture } from "../../../tests/fixtures/paths.js";
import { codes, letterXml } from "./fixtures.js";

const A = "000.00.12.H53" as OrganId;
const B = "000.00.13.H53" as OrganId;
const C = "000.00.14.H53" as OrganId;
const DAY = 24 * 3600 * 1000;
const NOW = Date.now();
const HEADER_XPATH =
  "/*[local-name(.)='edXML']/*[local-name(.)='edXMLEnvelope']/*[local-name(.)='edXMLHeader']";

let pki: DevPkiState;
let agencyA: IssuedKeyPair;
let agencyB: IssuedKeyPair;
let revokedC: IssuedKeyPair;
let crl: string;
let policy: TrustPolicy;

function signAs(who: IssuedKeyPair, xml: string, extra: Partial<SignOptions> = {}): string {
  return signEdxml(xml, {
    privateKeyPem: who.privateKeyPem,
    certificatePem: who.certificatePem,
    chainPems: [pki.issuing.certificatePem],
    ...extra,
  });
}

beforeAll(async () => {
  // Backdated so that validating "10 days ago" still finds the CAs valid.
  pki = await createDevPki({ now: new Date(NOW - 60 * DAY) });
  agencyA = await issueAgencyCertificate(pki, { organId: A, name: "Sở Tài chính" });
  agencyB = await issueAgencyCertificate(agencyA.state, { organId: B, name: "Sở Nội vụ" });
  revokedC = await issueAgencyCertificate(agencyB.state, { organId: C, name: "Sở Xây dựng" });
  const revoked = revokeCertificate(revokedC.state, revokedC.serialNumber, {
    reason: "keyCompromise",
    at: new Date(NOW - 60_000),
  });
  crl = await issueCrl(revoked);
  policy = { trustAnchors: [pki.root.certificatePem] };
});

describe("sign then verify", () => {
  it("a letter signed by its From agency is valid, read from the signed bytes", async () => {
    const signed = signAs(agencyA, letterXml(A));
    const { report, packet } = await verifyPacket(signed, policy);
    expect(report.reasons).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.algorithm).toBe("rsa-sha256");
    expect(report.legacySha1).toBe(false);
    expect(report.revocation).toBe("unchecked");
    expect(report.signer?.organIds).toEqual([A]);
    expect(report.signer?.subject).toContain(`UID=${A}`);
    expect(report.signer?.serialNumber).toBe(agencyA.serialNumber);
    expect(report.signer?.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.chain.map((c) => c.subject)).toEqual([
      expect.stringContaining("CN=Sở Tài chính"),
      expect.stringContaining("Issuing CA"),
      expect.stringContaining("Root CA"),
    ]);
    expect(report.signedXml).toBeDefined();
    expect(report.signedXml).not.toContain("SignatureValue");
    expect(packet?.kind).toBe("letter");
    if (packet?.kind !== "letter") return;
    expect(packet.header.from.organId).toBe(A);
    expect(packet.header.subject).toBe("V/v kết nối, liên thông phần mềm quản lý văn bản");
    expect(packet.hasSignature).toBe(true);
    expect(packet.attachments).toHaveLength(1);
  });

  it("puts the Signature last in edXMLHeader and accepts bytes as input", async () => {
    const signed = signAs(agencyA, letterXml(A));
    const doc = new DOMParser().parseFromString(signed, "application/xml");
    const header = doc.getElementsByTagNameNS(
      "http://www.mic.gov.vn/TBT/QCVN_102_2016",
      "edXMLHeader",
    )[0];
    let last = header?.lastChild;
    while (last && last.nodeType !== 1) last = last.previousSibling;
    expect(last?.nodeName).toBe("Signature");
    expect((last as unknown as { namespaceURI: string }).namespaceURI).toBe(
      "http://www.w3.org/2000/09/xmldsig#",
    );
    expect(signed).toContain('<Reference URI="">');
    const report = await verifyEdxml(Buffer.from(signed, "utf8"), policy);
    expect(report.valid).toBe(true);
  });

  it("signs with RSA-PSS and with ECDSA P-256", async () => {
    const pss = signAs(agencyA, letterXml(A), { algorithm: "rsa-pss-sha256" });
    const pssReport = await verifyEdxml(pss, policy);
    expect(pssReport.valid).toBe(true);
    expect(pssReport.algorithm).toBe("sha256-rsa-MGF1");

    const ec = await issueAgencyCertificate(pki, {
      organId: A,
      name: "EC signer",
      keyAlgorithm: "ecdsa-p256",
    });
    const ecSigned = signAs(ec, letterXml(A));
    expect(ecSigned).toContain("ecdsa-sha256");
    const { report } = await verifyPacket(ecSigned, policy);
    expect(report.reasons).toEqual([]);
    expect(report.algorithm).toBe("ecdsa-sha256");
  });

  it("takes the chain from the policy when KeyInfo carries only the signer", async () => {
    const signed = signAs(agencyA, letterXml(A), { chainPems: [] });
    expect(codes(await verifyEdxml(signed, policy))).toEqual(["CERT_UNTRUSTED"]);
    const report = await verifyEdxml(signed, {
      ...policy,
      intermediates: [pki.issuing.certificatePem],
    });
    expect(report.valid).toBe(true);
  });
});

describe("tampering", () => {
  let signed: string;
  beforeAll(() => {
    signed = signAs(agencyA, letterXml(A));
  });

  async function expectTampered(changed: string): Promise<void> {
    expect(changed).not.toBe(signed);
    const { report, packet } = await verifyPacket(changed, policy);
    expect(codes(report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    expect(report.valid).toBe(false);
    expect(report.signedXml).toBeUndefined();
    expect(packet).toBeUndefined();
  }

  it("a changed byte in Subject", async () => {
    await expectTampered(signed.replace("V/v kết nối", "V/v kết nốj"));
  });

  it("a changed byte in an attachment", async () => {
    const b64 = signed.match(/<edXML:ContentTransferEncoded[^>]*>([^<]+)</)?.[1] ?? "";
    expect(b64.length).toBeGreaterThan(100);
    const other = `${b64.slice(0, 60)}${b64[60] === "A" ? "B" : "A"}${b64.slice(61)}`;
    await expectTampered(signed.replace(b64, other));
  });

  it("a changed From OrganId", async () => {
    await expectTampered(
      signed.replace(`<edXML:OrganId>${A}</edXML:OrganId>`, `<edXML:OrganId>${B}</edXML:OrganId>`),
    );
  });

  it("a changed SignatureValue", async () => {
    const changed = signed.replace(
      /<SignatureValue>(.)/,
      (_m, c: string) => `<SignatureValue>${c === "A" ? "B" : "A"}`,
    );
    const report = await verifyEdxml(changed, policy);
    expect(codes(report)).toEqual(["SIGNATURE_VALUE_INVALID"]);
    expect(report.signer).toBeUndefined();
  });
});

describe("signer and certificate", () => {
  it("a valid certificate of another agency than From is SIGNER_NOT_BOUND", async () => {
    const signed = signAs(agencyB, letterXml(A));
    expect((await verifyEdxml(signed, policy)).valid).toBe(true);
    const { report, packet } = await verifyPacket(signed, policy);
    expect(codes(report)).toEqual(["SIGNER_NOT_BOUND"]);
    expect(report.reasons[0]?.message).toContain(A);
    expect(packet?.kind).toBe("letter");
    const expected = await verifyEdxml(signed, { ...policy, expectedOrganId: A });
    expect(codes(expected)).toEqual(["SIGNER_NOT_BOUND"]);
  });

  it("expired and not-yet-valid certificates", async () => {
    const expired = await issueAgencyCertificate(pki, {
      organId: A,
      name: "Expired",
      notBefore: new Date(NOW - 30 * DAY),
      notAfter: new Date(NOW - DAY),
    });
    const future = await issueAgencyCertificate(pki, {
      organId: A,
      name: "Future",
      notBefore: new Date(NOW + DAY),
      notAfter: new Date(NOW + 30 * DAY),
    });
    const old = signAs(expired, letterXml(A));
    expect(codes(await verifyEdxml(old, policy))).toEqual(["CERT_EXPIRED"]);
    // Validated at a time inside its window, the same signature is fine.
    expect((await verifyEdxml(old, { ...policy, at: new Date(NOW - 10 * DAY) })).valid).toBe(true);
    expect(codes(await verifyEdxml(signAs(future, letterXml(A)), policy))).toEqual([
      "CERT_NOT_YET_VALID",
    ]);
  });

  it("a self-signed certificate, or a foreign root, is CERT_UNTRUSTED", async () => {
    const foreign = await createDevPki({ organization: "Foreign PKI" });
    const stranger = await issueAgencyCertificate(foreign, { organId: A, name: "Stranger" });
    const signed = signEdxml(letterXml(A), {
      privateKeyPem: stranger.privateKeyPem,
      certificatePem: stranger.certificatePem,
      chainPems: [foreign.issuing.certificatePem, foreign.root.certificatePem],
    });
    const report = await verifyEdxml(signed, policy);
    expect(codes(report)).toEqual(["CERT_UNTRUSTED"]);
    expect(report.signer?.organIds).toEqual([A]);
    // The foreign root is self-signed: as a signer it chains to nothing we trust.
    const selfSigned = signEdxml(letterXml(A), {
      privateKeyPem: foreign.root.privateKeyPem,
      certificatePem: foreign.root.certificatePem,
    });
    expect(codes(await verifyEdxml(selfSigned, policy))).toContain("CERT_UNTRUSTED");
  });

  it("a CA key signing a document is CERT_USAGE", async () => {
    const signed = signEdxml(letterXml(A), {
      privateKeyPem: pki.issuing.privateKeyPem,
      certificatePem: pki.issuing.certificatePem,
    });
    expect(codes(await verifyEdxml(signed, policy))).toEqual(["CERT_USAGE"]);
  });

  it("refuses an unusable trust policy as a SignatureError", async () => {
    await expect(
      verifyEdxml(signAs(agencyA, letterXml(A)), { trustAnchors: ["junk"] }),
    ).rejects.toMatchObject({
      code: "TRUST_POLICY_INVALID",
    });
  });
});

describe("revocation", () => {
  it("a certificate on the issuer's CRL is CERT_REVOKED", async () => {
    const signed = signAs(revokedC, letterXml(C));
    expect((await verifyEdxml(signed, policy)).revocation).toBe("unchecked");
    const report = await verifyEdxml(signed, { ...policy, crls: [crl] });
    expect(codes(report)).toEqual(["CERT_REVOKED"]);
    expect(report.reasons[0]?.message).toContain("keyCompromise");
    expect(report.revocation).toBe("checked");
    expect(report.crlsUsed).toHaveLength(1);
    expect(report.crlsUsed[0]?.issuer).toContain("Issuing CA");
  });

  it("before its revocation date the certificate was still good", async () => {
    const signed = signAs(revokedC, letterXml(C));
    const report = await verifyEdxml(signed, {
      ...policy,
      crls: [crl],
      at: new Date(NOW - 120_000),
    });
    expect(report.reasons).toEqual([]);
  });

  it("a certificate not on the CRL is valid and checked; base64 DER works too", async () => {
    const signed = signAs(agencyA, letterXml(A));
    const der = crl.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    for (const form of [crl, der]) {
      const report = await verifyEdxml(signed, { ...policy, crls: [form] });
      expect(report.reasons).toEqual([]);
      expect(report.revocation).toBe("checked");
    }
  });

  it("a CRL signed by another CA is CRL_INVALID", async () => {
    const other = await createDevPki(); // same CA names, different keys
    const otherCrl = await issueCrl(other);
    const report = await verifyEdxml(signAs(agencyA, letterXml(A)), {
      ...policy,
      crls: [otherCrl],
    });
    expect(codes(report)).toEqual(["CRL_INVALID"]);
    expect(report.revocation).toBe("unchecked");
  });

  it("a stale or unreadable CRL is CRL_INVALID", async () => {
    const stale = await issueCrl(revokedC.state, {
      thisUpdate: new Date(NOW - 10 * DAY),
      nextUpdate: new Date(NOW - DAY),
    });
    const signed = signAs(agencyA, letterXml(A));
    expect(codes(await verifyEdxml(signed, { ...policy, crls: [stale] }))).toEqual(["CRL_INVALID"]);
    expect(codes(await verifyEdxml(signed, { ...policy, crls: ["not a crl"] }))).toEqual([
      "CRL_INVALID",
    ]);
  });
});

describe("signature wrapping", () => {
  let signed: string;
  beforeAll(() => {
    signed = signAs(agencyA, letterXml(A));
  });

  const forged = `<edXML:MessageHeader xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:From><edXML:OrganId>${B}</edXML:OrganId></edXML:From><edXML:Subject>forged</edXML:Subject></edXML:MessageHeader>`;

  it("a second MessageHeader/From in an unsigned Object: the packet holds only signed values", async () => {
    const wrapped = signed.replace("</Signature>", `<Object>${forged}</Object></Signature>`);
    const { report, packet } = await verifyPacket(wrapped, policy);
    expect(report.valid).toBe(true);
    expect(report.signedXml).not.toContain("forged");
    expect(packet?.kind === "letter" && packet.header.from.organId).toBe(A);
    expect(packet?.kind === "letter" && packet.header.subject).not.toBe("forged");
  });

  it("a forged From hidden in KeyInfo never reaches the packet", async () => {
    const wrapped = signed.replace("</KeyInfo>", `${forged}</KeyInfo>`);
    const { report, packet } = await verifyPacket(wrapped, policy);
    expect(report.valid).toBe(true);
    expect(packet?.kind === "letter" && packet.header.from.organId).toBe(A);
  });

  it("a second MessageHeader inside the signed part breaks the digest", async () => {
    const wrapped = signed.replace("<edXML:MessageHeader>", `${forged}<edXML:MessageHeader>`);
    expect(codes(await verifyEdxml(wrapped, policy))).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
  });

  it("a second Signature is SIGNATURE_MULTIPLE", async () => {
    const signature = signed.slice(
      signed.indexOf("<Signature"),
      signed.indexOf("</Signature>") + 12,
    );
    const twice = signed.replace("</edXML:edXMLManifest>", `</edXML:edXMLManifest>${signature}`);
    expect(codes(await verifyEdxml(twice, policy))).toEqual(["SIGNATURE_MULTIPLE"]);
  });

  it("a moved Signature is refused although its digest would still match", async () => {
    const signature = signed.slice(
      signed.indexOf("<Signature"),
      signed.indexOf("</Signature>") + 12,
    );
    const without = signed.replace(signature, "");
    for (const moved of [
      without.replace("</edXML:edXMLBody>", `${signature}</edXML:edXMLBody>`),
      without.replace("</edXML>", `${signature}</edXML>`),
    ]) {
      const report = await verifyEdxml(moved, policy);
      expect(codes(report)).toEqual(["SIGNATURE_MALFORMED"]);
      expect(report.reasons[0]?.message).toContain("edXMLHeader");
      expect(report.signedXml).toBeUndefined();
    }
  });

  it("a Reference to part of the document (URI=#id) is SIGNATURE_REFERENCE_INVALID", async () => {
    const sig = new SignedXml({
      privateKey: agencyA.privateKeyPem,
      publicCert: agencyA.certificatePem,
      signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
      canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
    });
    sig.addReference({
      xpath: "//*[local-name(.)='MessageHeader']",
      transforms: ["http://www.w3.org/2001/10/xml-exc-c14n#"],
      digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
    });
    sig.computeSignature(letterXml(A), { location: { reference: HEADER_XPATH, action: "append" } });
    const partial = sig.getSignedXml();
    expect(partial).toMatch(/Reference URI="#_0"/);
    const report = await verifyEdxml(partial, policy);
    expect(codes(report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    expect(report.reasons[0]?.message).toContain('"#_0"');
  });

  it("other transforms, a missing URI or two References are SIGNATURE_REFERENCE_INVALID", async () => {
    const xpath =
      '<Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><XPath>1</XPath></Transform></Transforms>';
    const variants = [
      signed.replace("</Transforms>", xpath),
      signed.replace('<Reference URI="">', "<Reference>"),
      signed.replace(/(<Reference URI="">[\s\S]*?<\/Reference>)/, "$1$1"),
    ];
    for (const variant of variants) {
      expect(codes(await verifyEdxml(variant, policy))).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    }
  });
});

describe("algorithms", () => {
  function sha1Signed(xml: string): string {
    const sig = new SignedXml({
      privateKey: agencyA.privateKeyPem,
      publicCert: agencyA.certificatePem + pki.issuing.certificatePem,
      signatureAlgorithm: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
      canonicalizationAlgorithm: "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    });
    sig.addReference({
      xpath: "/*",
      isEmptyUri: true,
      transforms: [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
      ],
      digestAlgorithm: "http://www.w3.org/2000/09/xmldsig#sha1",
    });
    sig.computeSignature(xml, { location: { reference: HEADER_XPATH, action: "append" } });
    return sig.getSignedXml();
  }

  it("rsa-sha1 (the VPCP SDK's) is forbidden unless allowSha1, then valid and flagged", async () => {
    const signed = sha1Signed(letterXml(A));
    const refused = await verifyEdxml(signed, policy);
    expect(codes(refused)).toEqual(["SIGNATURE_ALGORITHM_FORBIDDEN"]);
    expect(refused.legacySha1).toBe(true);
    expect(refused.algorithm).toBe("rsa-sha1");
    const { report } = await verifyPacket(signed, { ...policy, allowSha1: true });
    expect(report.reasons).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.legacySha1).toBe(true);
  });

  it("an HMAC or unknown SignatureMethod is forbidden", async () => {
    const signed = signAs(agencyA, letterXml(A));
    const hmac = signed.replace(
      "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
      "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
    );
    const hmacReport = await verifyEdxml(hmac, policy);
    expect(codes(hmacReport)).toEqual(["SIGNATURE_ALGORITHM_FORBIDDEN"]);
    expect(hmacReport.reasons[0]?.message).toContain("MAC");
    const unknown = signed.replace(
      "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
      "urn:x:none",
    );
    expect(codes(await verifyEdxml(unknown, policy))).toEqual(["SIGNATURE_ALGORITHM_FORBIDDEN"]);
  });
});

describe("unsigned, placeholder and unreadable input", () => {
  it("a stripped signature is SIGNATURE_MISSING", async () => {
    const signed = signAs(agencyA, letterXml(A));
    const stripped = signed.replace(/<Signature[\s\S]*<\/Signature>/, "");
    const { report, packet } = await verifyPacket(stripped, policy);
    expect(codes(report)).toEqual(["SIGNATURE_MISSING"]);
    expect(packet).toBeUndefined();
  });

  it("the SDK samples' placeholder signature is invalid, not a crash", async () => {
    for (const name of ["field/lgsp_signature_stub.edxml", "vpcp-sdk/edoc_update.edxml"]) {
      const bytes = readFixture(`samples/${name}`);
      const report = await verifyEdxml(bytes, { ...policy, allowSha1: true });
      expect(report.valid).toBe(false);
      expect(codes(report)).toEqual(["SIGNATURE_MALFORMED"]);
      expect(report.reasons[0]?.message).toContain("placeholder");
    }
  });

  it("the dummy signature put in the XML-DSig namespace is still refused cleanly", async () => {
    const text = readFixture("samples/vpcp-sdk/edoc_update.edxml")
      .toString("utf8")
      .replace("<Signature>", '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">');
    expect(codes(await verifyEdxml(text, policy))).toEqual(["SIGNATURE_ALGORITHM_FORBIDDEN"]);
    // With SHA-1 allowed, its transform URI (the spec's address, not an algorithm) is what fails.
    const legacy = await verifyEdxml(text, { ...policy, allowSha1: true });
    expect(codes(legacy)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    expect(legacy.reasons[0]?.message).toContain("VPCP SDK");
    // Repaired, its truncated certificate is what fails.
    const repaired = text.replace(
      "http://www.w3.org/TR/xml-exc-c14n#",
      "http://www.w3.org/2001/10/xml-exc-c14n#",
    );
    expect(codes(await verifyEdxml(repaired, { ...policy, allowSha1: true }))).toEqual([
      "SIGNATURE_MALFORMED",
    ]);
  });

  it("XML that is not well-formed, or carries a DOCTYPE, throws parseXml's EdxmlError", async () => {
    const malformed = readFixture("samples/field/lgsp_signed_malformed.edxml");
    await expect(verifyEdxml(malformed, policy)).rejects.toBeInstanceOf(EdxmlError);
    await expect(verifyPacket("<a><b></a>", policy)).rejects.toMatchObject({
      code: "EDXML_NOT_WELL_FORMED",
    });
    const doctype = `<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x "y">]>${letterXml(A).replace(/^<\?xml[^>]*\?>/, "")}`;
    await expect(verifyEdxml(doctype, policy)).rejects.toBeInstanceOf(EdxmlError);
  });
});

describe("signEdxml refusals", () => {
  it("refuses a document that already has a Signature unless replaceExisting", async () => {
    const sample = readFixture("samples/vpcp-sdk/edoc_update.edxml").toString("utf8");
    const g22 = await issueAgencyCertificate(pki, { organId: "000.00.00.G22", name: "VPCP" });
    expect(() => signAs(g22, sample)).toThrow(
      expect.objectContaining({ code: "SIGNATURE_EXISTS" }),
    );
    const resigned = signAs(g22, sample, { replaceExisting: true });
    expect(resigned.match(/<Signature[\s>]/g)).toHaveLength(1);
    expect(resigned).not.toContain("CN=user05");
    expect(resigned.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const { report, packet } = await verifyPacket(resigned, policy);
    expect(report.reasons).toEqual([]);
    expect(packet?.kind === "letter" && packet.header.from.organId).toBe("000.00.00.G22");
    // What was signed is the sample itself, minus the placeholder.
    const original = parsePacket(sample);
    expect(packet?.kind === "letter" && packet.header.subject).toBe(
      original.kind === "letter" && original.header.subject,
    );
    // Signing twice needs replaceExisting again.
    expect(() => signAs(g22, resigned)).toThrow(
      expect.objectContaining({ code: "SIGNATURE_EXISTS" }),
    );
  });

  it("refuses mismatched keys, algorithms and non-edXML documents", async () => {
    expect(() =>
      signEdxml(letterXml(A), {
        privateKeyPem: agencyB.privateKeyPem,
        certificatePem: agencyA.certificatePem,
      }),
    ).toThrow(expect.objectContaining({ code: "KEY_CERT_MISMATCH" }));
    expect(() => signAs(agencyA, letterXml(A), { algorithm: "ecdsa-sha256" })).toThrow(
      expect.objectContaining({ code: "ALGORITHM_KEY_MISMATCH" }),
    );
    expect(() => signAs(agencyA, "<receipt><id>1</id></receipt>")).toThrow(
      expect.objectContaining({ code: "NOT_EDXML" }),
    );
    expect(() => signAs(agencyA, "<<<")).toThrow(EdxmlError);
  });
});
