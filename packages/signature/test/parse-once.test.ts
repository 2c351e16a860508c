import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OrganId } from "@edoc/directory";
import { createDevPki, type IssuedKeyPair, issueAgencyCertificate } from "@edoc/pki";
import { signEdxml, type TrustPolicy } from "@edoc/signature";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPacketWith } from "../src/packet.js";
import { letterXml, codes as reasonCodes } from "./fixtures.js";

// The verifier parses the input once and checks the XML-DSig on that DOM with xml-crypto's
// canonicalizers (check.ts); the packet is read from the same DOM once the Signature is taken
// out. Each case runs both that and the library's full path (xml-crypto's checkSignature on
// its own parse, then the packet parsed again from the signed bytes): same verdict, same
// reasons, same signed bytes, same packet. Signatures from xmlsec1 cover the canonicalization
// variants signEdxml never writes.
const A = "000.00.12.H53" as OrganId;
const FORGED = "000.00.99.H53";
let agency: IssuedKeyPair;
let policy: TrustPolicy;
let dir: string;

beforeAll(async () => {
  const pki = await createDevPki();
  agency = await issueAgencyCertificate(pki, { organId: A, name: "Sở Tài chính" });
  policy = { trustAnchors: [pki.root.certificatePem], intermediates: [pki.issuing.certificatePem] };
  dir = mkdtempSync(join(tmpdir(), "edoc-parse-once-"));
  writeFileSync(join(dir, "key.pem"), agency.privateKeyPem);
  writeFileSync(join(dir, "cert.pem"), agency.certificatePem);
  writeFileSync(join(dir, "issuing.pem"), pki.issuing.certificatePem);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function signed(xml = letterXml(A)): string {
  return signEdxml(xml, {
    privateKeyPem: agency.privateKeyPem,
    certificatePem: agency.certificatePem,
  });
}

/** Both paths; they must agree on everything, and the parse-once outcome is returned. */
async function both(xml: string, extra: Partial<TrustPolicy> = {}) {
  const p = { ...policy, ...extra };
  const once = await verifyPacketWith(xml, p, undefined, "parse-once");
  const library = await verifyPacketWith(xml, p, undefined, "library");
  expect(reasonCodes(once.report)).toEqual(reasonCodes(library.report));
  expect(once.report.valid).toBe(library.report.valid);
  expect(once.report.signedXml).toBe(library.report.signedXml);
  expect(once.report.signer?.fingerprintSha256).toBe(library.report.signer?.fingerprintSha256);
  expect(once.packet).toEqual(library.packet);
  return once;
}

const forgedHeader = `<edXML:MessageHeader xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:From><edXML:OrganId>${FORGED}</edXML:OrganId></edXML:From><edXML:DocumentId>forged</edXML:DocumentId></edXML:MessageHeader>`;

describe("parse-once verification agrees with the library's full path", () => {
  it("a signed letter: valid, the same signed bytes and packet", async () => {
    const out = await both(signed());
    expect(out.report.valid).toBe(true);
    expect(out.packet?.kind).toBe("letter");
    expect(out.packet?.hasSignature).toBe(true);
    expect(out.report.signedXml).not.toContain("<Signature");
  });

  it("a changed value: the digest of the signed content fails", async () => {
    const out = await both(signed().replace("Sở Tài chính tỉnh", "Sở Tài chánh tỉnh"));
    expect(reasonCodes(out.report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    expect(out.packet).toBeUndefined();
  });

  it("a changed SignedInfo or SignatureValue: SIGNATURE_VALUE_INVALID", async () => {
    const s = signed();
    // Whitespace in DigestValue leaves the digest but changes the signed SignedInfo octets.
    const info = await both(s.replace("<DigestValue>", "<DigestValue>\n"));
    expect(reasonCodes(info.report)).toEqual(["SIGNATURE_VALUE_INVALID"]);
    const value = s.replace(
      /<SignatureValue>(.)/,
      (_m, c: string) => `<SignatureValue>${c === "A" ? "B" : "A"}`,
    );
    expect(reasonCodes((await both(value)).report)).toEqual(["SIGNATURE_VALUE_INVALID"]);
  });

  it("wrapped content: a forged MessageHeader in an unsigned Object or KeyInfo never reaches the packet", async () => {
    for (const forged of [
      signed().replace("</Signature>", `<Object>${forgedHeader}</Object></Signature>`),
      signed().replace("</KeyInfo>", `${forgedHeader}</KeyInfo>`),
    ]) {
      const out = await both(forged);
      expect(out.report.valid).toBe(true);
      expect(out.packet?.kind === "letter" && out.packet.header.from.organId).toBe(A);
      expect(out.packet?.kind === "letter" && out.packet.header.documentId).not.toBe("forged");
      const strict = await both(forged, { strictSignatureContent: true });
      expect(reasonCodes(strict.report)).toEqual(["SIGNATURE_MALFORMED"]);
    }
  });

  it("wrapped reference: a Reference to one element instead of the document is refused", async () => {
    const s = signed().replace('<Reference URI="">', '<Reference URI="#mh">');
    const out = await both(s);
    expect(reasonCodes(out.report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
  });

  it("an extra Reference in SignedInfo is refused", async () => {
    const s = signed();
    const ref = /<Reference URI="">[\s\S]*?<\/Reference>/.exec(s)?.[0] ?? "";
    const extra = ref.replace('URI=""', 'URI="#other"');
    expect(reasonCodes((await both(s.replace(ref, `${ref}${extra}`))).report)).toEqual([
      "SIGNATURE_REFERENCE_INVALID",
    ]);
    const typed = ref.replace(
      'URI=""',
      'URI="#sp" Type="http://uri.etsi.org/01903#SignedProperties"',
    );
    const twice = await both(s.replace(ref, `${ref}${typed}${typed}`));
    expect(reasonCodes(twice.report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
  });

  it("comment injection: a comment splitting a signed value changes nothing read, and strict refuses it", async () => {
    const s = signed();
    const injected = s
      .replace(
        `<edXML:OrganId>${A}</edXML:OrganId>`,
        `<edXML:OrganId>000.00<!---->.12.H53</edXML:OrganId>`,
      )
      .replace("7816/STC-VP</edXML:DocumentId>", "7816/STC<!-- -VP -->-VP</edXML:DocumentId>");
    expect(injected).not.toBe(s);
    const out = await both(injected);
    expect(out.report.valid).toBe(true);
    expect(out.packet?.kind === "letter" && out.packet.header.from.organId).toBe(A);
    expect(out.packet?.kind === "letter" && out.packet.header.documentId).toBe(
      `${A},2024/05/02,7816/STC-VP`,
    );
    const strict = await both(injected, { strictSignatureContent: true });
    expect(reasonCodes(strict.report)).toEqual(["SIGNATURE_MALFORMED"]);
    // A comment that turns a value into another is still a changed document.
    const changed = s.replace(
      `<edXML:OrganId>${A}</edXML:OrganId>`,
      `<edXML:OrganId>${FORGED}<!--${A}--></edXML:OrganId>`,
    );
    expect(reasonCodes((await both(changed)).report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
  });

  it("a Signature moved out of edXMLHeader, or a second one, is refused", async () => {
    const s = signed();
    const sig = s.slice(s.indexOf("<Signature"), s.indexOf("</Signature>") + 12);
    const moved = s.replace(sig, "").replace("</edXML:edXMLBody>", `${sig}</edXML:edXMLBody>`);
    expect(reasonCodes((await both(moved)).report)).toEqual(["SIGNATURE_MALFORMED"]);
    const twice = s.replace(sig, `${sig}${sig}`);
    expect(reasonCodes((await both(twice)).report)).toEqual(["SIGNATURE_MULTIPLE"]);
  });

  it("XAdES: a second element carrying the SignedProperties id in any id attribute is refused", async () => {
    const x = signEdxml(letterXml(A), {
      privateKeyPem: agency.privateKeyPem,
      certificatePem: agency.certificatePem,
      xades: true,
    });
    expect((await both(x)).report.valid).toBe(true);
    const id = /<[^>]*SignedProperties[^>]* Id="([^"]+)"/.exec(x)?.[1] ?? "";
    expect(id).not.toBe("");
    // Its Id names something else: only its `id` collides (xml-crypto counted every id attribute).
    const decoy = `<Object><Decoy xmlns="urn:x" Id="other" id="${id}"/></Object>`;
    const twice = x.replace("</Signature>", `${decoy}</Signature>`);
    const p = { ...policy };
    const once = await verifyPacketWith(twice, p, undefined, "parse-once");
    const library = await verifyPacketWith(twice, p, undefined, "library");
    expect(reasonCodes(once.report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    expect(library.report.valid).toBe(false);
    expect(once.packet).toBeUndefined();
  });

  it("the same DOM is not read before the digest matched: an invalid signature gives no packet", async () => {
    const out = await both(
      signed().replace(
        `<edXML:OrganId>${A}</edXML:OrganId>`,
        `<edXML:OrganId>${FORGED}</edXML:OrganId>`,
      ),
    );
    expect(out.packet).toBeUndefined();
    expect(out.report.signedXml).toBeUndefined();
  });
});

/** An xmlsec1 template: `c14n` for SignedInfo and the document, optional PrefixLists, `ds:` prefix. */
function template(o: { c14n: string; prefixes?: string; ds?: boolean }): string {
  const p = o.ds ? "ds:" : "";
  const inclusive = o.prefixes
    ? `<InclusiveNamespaces xmlns="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="${o.prefixes}"/>`
    : "";
  const method = (tag: string, alg: string, params = "") =>
    params
      ? `<${p}${tag} Algorithm="${alg}">${params}</${p}${tag}>`
      : `<${p}${tag} Algorithm="${alg}"/>`;
  return `<${p}Signature xmlns${o.ds ? ":ds" : ""}="http://www.w3.org/2000/09/xmldsig#"><${p}SignedInfo>${method("CanonicalizationMethod", o.c14n, inclusive)}${method("SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")}<${p}Reference URI=""><${p}Transforms>${method("Transform", "http://www.w3.org/2000/09/xmldsig#enveloped-signature")}${method("Transform", o.c14n, inclusive)}</${p}Transforms>${method("DigestMethod", "http://www.w3.org/2001/04/xmlenc#sha256")}<${p}DigestValue/></${p}Reference></${p}SignedInfo><${p}SignatureValue/><${p}KeyInfo><${p}X509Data/></${p}KeyInfo></${p}Signature>`;
}

function xmlsecSigned(tpl: string): string {
  const input = join(dir, "in.xml");
  const output = join(dir, "out.xml");
  writeFileSync(input, letterXml(A).replace("</edXML:edXMLHeader>", `${tpl}</edXML:edXMLHeader>`));
  const run = spawnSync(
    "xmlsec1",
    [
      "--sign",
      "--privkey-pem",
      `${join(dir, "key.pem")},${join(dir, "cert.pem")},${join(dir, "issuing.pem")}`,
      "--output",
      output,
      input,
    ],
    { encoding: "utf8" },
  );
  if (run.error)
    throw new Error(`xmlsec1 is not installed (run: bash infra/xmlsec.sh): ${run.error.message}`);
  expect(run.status, run.stderr).toBe(0);
  return readFileSync(output, "utf8");
}

describe("canonicalization variants signed by xmlsec1", () => {
  const EXC = "http://www.w3.org/2001/10/xml-exc-c14n#";
  const C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
  it.each([
    ["C14N 1.0 for SignedInfo and the document", { c14n: C14N }],
    ["exclusive C14N with InclusiveNamespaces PrefixList", { c14n: EXC, prefixes: "edXML" }],
    ["a ds: prefixed Signature", { c14n: EXC, ds: true }],
    ["C14N 1.0 with a ds: prefix (inherited namespaces rendered)", { c14n: C14N, ds: true }],
  ])("%s: valid on both paths, same signed bytes", async (_name, o) => {
    const out = await both(xmlsecSigned(template(o)));
    expect(reasonCodes(out.report)).toEqual([]);
    expect(out.report.valid).toBe(true);
    // and a change after signing is still caught
    const changed = await both(xmlsecSigned(template(o)).replace("Sở Tài chính tỉnh", "Sở khác"));
    expect(reasonCodes(changed.report)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
  });
});
