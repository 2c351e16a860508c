import { sign as nodeSign } from "node:crypto";
import { createDevPki, issueHubCertificate } from "@edoc/pki";
import { signXml, signXmlRemote, verifyXml } from "@edoc/signature";
import { beforeAll, describe, expect, it } from "vitest";

// The hub's receipts are signed by the signer service (a PKCS#11 token): signXmlRemote hands
// SignedInfo's bytes to a callback. RSASSA-PKCS1-v1_5 is deterministic, so the result must be
// byte for byte what signing with the key in hand gives.
const RECEIPT = `<?xml version="1.0" encoding="UTF-8"?>
<AcceptanceReceipt xmlns="urn:edoc-hub:receipt:1"><HubDocumentId>doc_1</HubDocumentId><Note>Đã nhận</Note></AcceptanceReceipt>`;

let hub: { certificatePem: string; privateKeyPem: string };
let anchors: string[];
beforeAll(async () => {
  const pki = await createDevPki();
  hub = await issueHubCertificate(pki, { name: "Trục (ký từ xa)" });
  anchors = [pki.root.certificatePem, pki.issuing.certificatePem];
});

describe("signXmlRemote", () => {
  it("gives the same signed document as signXml, and it verifies", async () => {
    const seen: Buffer[] = [];
    const remote = await signXmlRemote(RECEIPT, {
      certificatePem: hub.certificatePem,
      algorithm: "rsa-sha256",
      sign: async (data) => {
        seen.push(data);
        return nodeSign("sha256", data, hub.privateKeyPem);
      },
    });
    const local = signXml(RECEIPT, {
      privateKeyPem: hub.privateKeyPem,
      certificatePem: hub.certificatePem,
    });
    expect(remote).toBe(local);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.toString("utf8")).toMatch(/^<ds:SignedInfo|^<SignedInfo/);
    const report = await verifyXml(Buffer.from(remote), { trustAnchors: anchors });
    expect(report.signedXml).toBeDefined();
  });

  it("rejects when the signer fails, and a wrong key's signature does not verify", async () => {
    const failing = signXmlRemote(RECEIPT, {
      certificatePem: hub.certificatePem,
      algorithm: "rsa-sha256",
      sign: () => Promise.reject(new Error("signer away")),
    });
    await expect(failing).rejects.toThrow("signer away");
    const other = await issueHubCertificate(await createDevPki(), { name: "khác" });
    const wrong = await signXmlRemote(RECEIPT, {
      certificatePem: hub.certificatePem,
      algorithm: "rsa-sha256",
      sign: async (data) => nodeSign("sha256", data, other.privateKeyPem),
    });
    const report = await verifyXml(Buffer.from(wrong), { trustAnchors: anchors });
    expect(report.signedXml).toBeUndefined();
  });
});
