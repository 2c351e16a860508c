import type { OrganId } from "@edoc/directory";
import { EdxmlError } from "@edoc/edxml";
import { createDevPki, type IssuedKeyPair, issueAgencyCertificate } from "@edoc/pki";
import { signEdxml, type TrustPolicy, verifyEdxml, verifyPacket } from "@edoc/signature";
import { beforeAll, describe, expect, it } from "vitest";
import { letterXml } from "./fixtures.js";

// What the hub's gateway needs beyond the defaults: bounded work on hostile but well-formed
// input, its own parsing limits, and no unsigned look-alike content inside the Signature.
const A = "000.00.12.H53" as OrganId;
const B = "000.00.13.H53" as OrganId;

let agency: IssuedKeyPair;
let policy: TrustPolicy;

function sign(xml: string): string {
  return signEdxml(xml, {
    privateKeyPem: agency.privateKeyPem,
    certificatePem: agency.certificatePem,
  });
}

beforeAll(async () => {
  const pki = await createDevPki();
  agency = await issueAgencyCertificate(pki, { organId: A, name: "Sở Tài chính" });
  policy = {
    trustAnchors: [agency.state.root.certificatePem],
    intermediates: [agency.state.issuing.certificatePem],
  };
});

describe("verification cost is linear in the document", () => {
  const padded = (n: number): string =>
    sign(
      letterXml(A).replace(
        "</edXML:Subject>",
        `</edXML:Subject><edXML:Pad>${"<p/>".repeat(n)}</edXML:Pad>`,
      ),
    );
  const cost = async (signed: string): Promise<number> => {
    const started = process.cpuUsage();
    expect((await verifyEdxml(signed, policy)).valid).toBe(true);
    const used = process.cpuUsage(started);
    return used.user + used.system;
  };

  it("10× the elements cost about 10× the CPU, not 100× (xml-crypto's //* was quadratic)", async () => {
    // A ratio of CPU time measured in the same run, so machine speed and load cancel out:
    // linear work gives about 10, the quadratic path about 100.
    const small = padded(4_000);
    const large = padded(40_000);
    await cost(small); // warm-up
    const ratio = (await cost(large)) / Math.max(1, await cost(small));
    expect(ratio).toBeLessThan(40);
    // The shortcut still checks the digest.
    const tampered = large.replace("<p/><p/>", "<p/><q/>");
    expect((await verifyEdxml(tampered, policy)).reasons.map((r) => r.code)).toEqual([
      "SIGNATURE_REFERENCE_INVALID",
    ]);
  }, 60_000);
});

describe("policy.limits", () => {
  it("apply to the input and to the packet read from the signed content", async () => {
    const signed = sign(
      letterXml(A, {
        attachment: Buffer.alloc(3000, 1).toString("base64"),
        contentType: "application/pdf",
      }),
    );
    expect((await verifyPacket(signed, policy)).report.valid).toBe(true);
    await expect(
      verifyPacket(signed, { ...policy, limits: { maxAttachmentBytes: 2999 } }),
    ).rejects.toMatchObject({ code: "EDXML_TOO_LARGE" });
    await expect(
      verifyPacket(signed, { ...policy, limits: { maxBytes: 1000 } }),
    ).rejects.toBeInstanceOf(EdxmlError);
    await expect(
      verifyEdxml(signed, { ...policy, limits: { maxElements: 10 } }),
    ).rejects.toMatchObject({ code: "EDXML_TOO_LARGE" });
  });
});

describe("policy.strictSignatureContent", () => {
  const forged = `<edXML:MessageHeader xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:From><edXML:OrganId>${B}</edXML:OrganId></edXML:From></edXML:MessageHeader>`;

  it("refuses edXML look-alikes in an unsigned Object or in KeyInfo; the default ignores them", async () => {
    const signed = sign(letterXml(A));
    for (const wrapped of [
      signed.replace("</Signature>", `<Object>${forged}</Object></Signature>`),
      signed.replace("</KeyInfo>", `${forged}</KeyInfo>`),
      signed.replace("</KeyInfo>", "<To>000.00.13.H53</To></KeyInfo>"),
    ]) {
      expect((await verifyEdxml(wrapped, policy)).valid).toBe(true);
      const strict = await verifyEdxml(wrapped, { ...policy, strictSignatureContent: true });
      expect(strict.valid).toBe(false);
      expect(strict.reasons.map((r) => r.code)).toEqual(["SIGNATURE_MALFORMED"]);
      expect(strict.reasons[0]?.message).toMatch(/unsigned content inside the Signature/);
    }
  });

  it("accepts what signEdxml writes, XAdES-BES included", async () => {
    const strict = { ...policy, strictSignatureContent: true };
    expect((await verifyEdxml(sign(letterXml(A)), strict)).valid).toBe(true);
    const xades = signEdxml(letterXml(A), {
      privateKeyPem: agency.privateKeyPem,
      certificatePem: agency.certificatePem,
      xades: true,
    });
    const report = await verifyEdxml(xades, strict);
    expect(report.reasons).toEqual([]);
    expect(report.xades).toBeDefined();
  });
});
