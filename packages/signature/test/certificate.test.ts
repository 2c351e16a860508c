import {
  createDevPki,
  type DevPkiState,
  type IssuedKeyPair,
  issueCrl,
  issueHubCertificate,
  revokeCertificate,
} from "@edoc/pki";
import { verifyCertificate } from "@edoc/signature";
import { beforeAll, describe, expect, it } from "vitest";

// verifyCertificate: the hub's certificate judged on its own (evidence bundles, chain heads).
const DAY = 24 * 3600 * 1000;
let pki: DevPkiState;
let hub: IssuedKeyPair;

beforeAll(async () => {
  pki = await createDevPki({ now: new Date(Date.now() - 60 * DAY) });
  hub = await issueHubCertificate(pki, {
    name: "Trục liên thông",
    notBefore: new Date(Date.now() - 30 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  pki = hub.state;
});

describe("verifyCertificate", () => {
  it("a hub certificate chains to the root, as of a time inside its validity", async () => {
    const r = await verifyCertificate(hub.certificatePem, {
      trustAnchors: [pki.root.certificatePem],
      intermediates: [pki.issuing.certificatePem],
      at: new Date(Date.now() - 10 * DAY),
    });
    expect(r.reasons).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.chain.map((c) => c.serialNumber)).toEqual([hub.serialNumber, "2", "1"]);
    expect(r.certificate?.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(r.validatedAt)).toBeLessThan(Date.now() - 9 * DAY);
  });

  it("expired now, untrusted under another root, revoked, unreadable", async () => {
    const policy = {
      trustAnchors: [pki.root.certificatePem],
      intermediates: [pki.issuing.certificatePem],
    };
    expect(
      (await verifyCertificate(hub.certificatePem, policy)).reasons.map((r) => r.code),
    ).toEqual(["CERT_EXPIRED"]);
    const foreign = await createDevPki();
    const untrusted = await verifyCertificate(hub.certificatePem, {
      trustAnchors: [foreign.root.certificatePem],
      at: new Date(Date.now() - 10 * DAY),
    });
    expect(untrusted.reasons.map((r) => r.code)).toContain("CERT_UNTRUSTED");
    const revoked = revokeCertificate(pki, hub.serialNumber, {
      at: new Date(Date.now() - 20 * DAY),
    });
    const crl = await issueCrl(revoked, { thisUpdate: new Date(Date.now() - 15 * DAY) });
    const r = await verifyCertificate(hub.certificatePem, {
      ...policy,
      crls: [crl],
      at: new Date(Date.now() - 10 * DAY),
    });
    expect(r.reasons.map((x) => x.code)).toEqual(["CERT_REVOKED"]);
    expect(r.revocation).toBe("checked");
    const garbage = await verifyCertificate("not a certificate", policy);
    expect(garbage.valid).toBe(false);
    expect(garbage.reasons.map((x) => x.code)).toEqual(["CERT_MISSING"]);
  });
});
