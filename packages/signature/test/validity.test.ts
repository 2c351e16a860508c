import { createDevPki, issueCrl, issueHubCertificate } from "@edoc/pki";
import { certificateValidity, crlValidity } from "@edoc/signature";
import { describe, expect, it } from "vitest";

// What the gateway's expiry gauges read: certificates' notAfter and CRLs' update times.
const DAY = 24 * 3600 * 1000;

describe("certificateValidity and crlValidity", () => {
  it("read every certificate of a bundle and every CRL, skipping an unreadable CRL", async () => {
    const pki = await createDevPki();
    const notAfter = new Date(Math.floor((Date.now() + 40 * DAY) / 1000) * 1000);
    const hub = await issueHubCertificate(pki, { name: "Trục liên thông", notAfter });
    const bundle = `${pki.root.certificatePem}${pki.issuing.certificatePem}`;

    const certs = certificateValidity([hub.certificatePem, bundle]);
    expect(certs).toHaveLength(3);
    expect(certs[0]?.subject).toContain("Trục liên thông");
    expect(certs[0]?.notAfter.getTime()).toBe(notAfter.getTime());
    expect(certs[1]?.notAfter.getTime()).toBeGreaterThan(notAfter.getTime());

    const thisUpdate = new Date(Math.floor((Date.now() - DAY) / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + 3 * DAY);
    const crl = await issueCrl(hub.state, { thisUpdate, nextUpdate });
    const crls = crlValidity([crl, "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"]);
    expect(crls).toHaveLength(1);
    expect(crls[0]?.thisUpdate.getTime()).toBe(thisUpdate.getTime());
    expect(crls[0]?.nextUpdate?.getTime()).toBe(nextUpdate.getTime());
    expect(crls[0]?.issuer).toBe(certs[2]?.subject);
  });

  it("refuses a text that holds no certificate", () => {
    expect(() => certificateValidity(["not a certificate"])).toThrow();
  });
});
