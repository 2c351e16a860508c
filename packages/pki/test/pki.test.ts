import { execFileSync, spawnSync } from "node:child_process";
import { createPrivateKey, X509Certificate as NodeCertificate } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer } from "node:tls";
import type { OrganId } from "@edoc/directory";
import {
  createDevPki,
  type DevPkiState,
  exportPkcs12,
  importPkcs12,
  issueAgencyCertificate,
  issueCrl,
  issueHubCertificate,
  organIdsOf,
  parseDevPkiState,
  revokeCertificate,
} from "@edoc/pki";
import { beforeAll, describe, expect, it } from "vitest";
// The library needs the Reflect polyfill first (see src/x509.ts).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

const ORGAN = "000.00.12.H53" as OrganId;
const NOW = Date.now();
const DAY = 24 * 3600 * 1000;

let pki: DevPkiState;
let agency: Awaited<ReturnType<typeof issueAgencyCertificate>>;

beforeAll(async () => {
  pki = await createDevPki();
  agency = await issueAgencyCertificate(pki, {
    organId: ORGAN,
    name: "Sở Tài chính tỉnh Tây Ninh",
  });
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

async function asyncCode(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (err: { code?: string }) => err.code,
  );
}

describe("createDevPki", () => {
  it("makes a self-signed root and an issuing CA under it, both CAs", () => {
    const root = new NodeCertificate(pki.root.certificatePem);
    const issuing = new NodeCertificate(pki.issuing.certificatePem);
    expect(root.ca).toBe(true);
    expect(issuing.ca).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(issuing.verify(root.publicKey)).toBe(true);
    expect(issuing.checkIssued(root)).toBe(true);
    expect(root.subject).toContain("CN=EDOC Dev PKI Root CA");
    expect(pki.issued).toHaveLength(0);
  });

  it("is plain JSON that parses back to the same state", () => {
    const again = parseDevPkiState(JSON.parse(JSON.stringify(agency.state)));
    expect(again).toEqual(agency.state);
  });

  it("rejects a damaged state with PKI_STATE_INVALID naming the field", () => {
    const broken = { ...JSON.parse(JSON.stringify(pki)), nextSerial: -1 };
    expect(code(() => parseDevPkiState(broken))).toBe("PKI_STATE_INVALID");
    expect(() => parseDevPkiState({ ...broken, nextSerial: 5, issued: [{}] })).toThrow(
      /state\.issued\[0\]/,
    );
    expect(code(() => parseDevPkiState("nope"))).toBe("PKI_STATE_INVALID");
  });
});

describe("issueAgencyCertificate", () => {
  it("binds the OrganId in a SAN URI and the subject UID, signed by the issuing CA", () => {
    const cert = new NodeCertificate(agency.certificatePem);
    expect(cert.verify(new NodeCertificate(pki.issuing.certificatePem).publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe(`URI:urn:vn:gov:organ:${ORGAN}`);
    expect(cert.subject).toContain(`UID=${ORGAN}`);
    expect(cert.subject).toContain("CN=Sở Tài chính tỉnh Tây Ninh");
    expect(cert.checkPrivateKey(createPrivateKey(agency.privateKeyPem))).toBe(true);
    expect(organIdsOf(agency.certificatePem)).toEqual([ORGAN]);
  });

  it("sets keyUsage digitalSignature+nonRepudiation and EKU clientAuth", () => {
    const cert = new x509.X509Certificate(agency.certificatePem);
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    expect(ku?.critical).toBe(true);
    expect(ku?.usages).toBe(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
    );
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
  });

  it("records the certificate in the state with a fresh serial", async () => {
    expect(agency.state.issued).toHaveLength(1);
    expect(agency.state.issued[0]).toMatchObject({
      serialNumber: agency.serialNumber,
      kind: "agency",
      organId: ORGAN,
    });
    const second = await issueAgencyCertificate(agency.state, { organId: ORGAN, name: "Again" });
    expect(second.serialNumber).not.toBe(agency.serialNumber);
    expect(new NodeCertificate(second.certificatePem).serialNumber.toLowerCase()).toBe(
      second.serialNumber,
    );
    // The argument is not mutated.
    expect(agency.state.issued).toHaveLength(1);
  });

  it("honours an explicit validity window, past or future", async () => {
    const notBefore = new Date(NOW - 10 * DAY);
    const notAfter = new Date(NOW - DAY);
    const expired = await issueAgencyCertificate(pki, {
      organId: ORGAN,
      name: "Expired",
      notBefore,
      notAfter,
    });
    const cert = new NodeCertificate(expired.certificatePem);
    expect(new Date(cert.validTo).getTime()).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
    expect(new Date(cert.validFrom).getTime()).toBe(Math.floor(notBefore.getTime() / 1000) * 1000);
  });

  it("issues ECDSA P-256 certificates on request", async () => {
    const ec = await issueAgencyCertificate(pki, {
      organId: ORGAN,
      name: "EC agency",
      keyAlgorithm: "ecdsa-p256",
    });
    const cert = new NodeCertificate(ec.certificatePem);
    expect(cert.publicKey.asymmetricKeyType).toBe("ec");
    expect(cert.verify(new NodeCertificate(pki.issuing.certificatePem).publicKey)).toBe(true);
  });

  it("refuses malformed OrganIds, bad names and empty validity windows", async () => {
    expect(await asyncCode(issueAgencyCertificate(pki, { organId: "28.22.H17", name: "x" }))).toBe(
      "ORGAN_ID_MALFORMED",
    );
    expect(await asyncCode(issueAgencyCertificate(pki, { organId: ORGAN, name: 'A "B"' }))).toBe(
      "NAME_INVALID",
    );
    expect(
      await asyncCode(
        issueAgencyCertificate(pki, {
          organId: ORGAN,
          name: "x",
          notBefore: new Date(NOW),
          notAfter: new Date(NOW - 1000),
        }),
      ),
    ).toBe("VALIDITY_INVALID");
  });
});

describe("organIdsOf", () => {
  async function selfSigned(name: x509.JsonName, san?: x509.JsonGeneralName[]): Promise<string> {
    const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const keys = await globalThis.crypto.subtle.generateKey(alg, false, ["sign", "verify"]);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      name,
      keys,
      signingAlgorithm: alg,
      extensions: san ? [new x509.SubjectAlternativeNameExtension(san)] : [],
    });
    return cert.toString("pem");
  }

  it("falls back to the subject UID when no SAN URI names an organ", async () => {
    const pem = await selfSigned(
      [{ CN: ["Legacy"] }, { "0.9.2342.19200300.100.1.1": [ORGAN] }],
      [
        { type: "dns", value: "example.org" },
        { type: "url", value: "urn:vn:gov:organ:not-an-id" },
      ],
    );
    expect(organIdsOf(pem)).toEqual([ORGAN]);
  });

  it("prefers the SAN URIs over the UID", async () => {
    const pem = await selfSigned(
      [{ CN: ["Both"] }, { "0.9.2342.19200300.100.1.1": ["000.00.00.H53"] }],
      [
        { type: "url", value: `urn:vn:gov:organ:${ORGAN}` },
        { type: "url", value: "urn:vn:gov:organ:000.00.00.G22" },
      ],
    );
    expect(organIdsOf(pem)).toEqual([ORGAN, "000.00.00.G22"]);
  });

  it("returns nothing for an unbound certificate and rejects garbage", async () => {
    expect(organIdsOf(await selfSigned([{ CN: ["Nobody"] }]))).toEqual([]);
    expect(code(() => organIdsOf("not a certificate"))).toBe("CERT_INVALID");
  });
});

describe("issueHubCertificate", () => {
  it("is a TLS server certificate for localhost, 127.0.0.1 and the given hosts", async () => {
    const hub = await issueHubCertificate(pki, {
      name: "edoc-hub",
      hosts: ["hub.example.gov.vn", "10.1.2.3"],
    });
    const cert = new NodeCertificate(hub.certificatePem);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkHost("hub.example.gov.vn")).toBe("hub.example.gov.vn");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkIP("10.1.2.3")).toBe("10.1.2.3");
    const parsed = new x509.X509Certificate(hub.certificatePem);
    expect(parsed.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(parsed.getExtension(x509.KeyUsagesExtension)?.usages).toBe(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    );
    expect(hub.state.issued.at(-1)?.kind).toBe("hub");

    // A real handshake: a client trusting only the root accepts the hub's chain.
    const server = createServer({
      key: hub.privateKeyPem,
      cert: hub.certificatePem + pki.issuing.certificatePem,
    });
    server.on("secureConnection", (s) => s.end("ok"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const socket = connect({ host: "127.0.0.1", port, ca: pki.root.certificatePem });
      await once(socket, "secureConnect");
      expect(socket.authorized).toBe(true);
      socket.destroy();
    } finally {
      server.close();
    }
  });

  it("refuses a host that is neither a DNS name nor an IP address", async () => {
    expect(await asyncCode(issueHubCertificate(pki, { name: "hub", hosts: ["bad host!"] }))).toBe(
      "NAME_INVALID",
    );
  });
});

describe("revocation and CRL", () => {
  it("lists revoked serials in a CRL signed by the issuing CA", async () => {
    const at = new Date(NOW - 3600_000);
    const revoked = revokeCertificate(agency.state, agency.serialNumber, {
      reason: "keyCompromise",
      at,
    });
    expect(revoked.revoked).toEqual([
      { serialNumber: agency.serialNumber, revokedAt: at.toISOString(), reason: "keyCompromise" },
    ]);
    const crl = new x509.X509Crl(await issueCrl(revoked, { thisUpdate: new Date(NOW) }));
    const issuing = new x509.X509Certificate(pki.issuing.certificatePem);
    const root = new x509.X509Certificate(pki.root.certificatePem);
    expect(await crl.verify({ publicKey: issuing })).toBe(true);
    expect(await crl.verify({ publicKey: root })).toBe(false);
    expect(crl.issuer).toBe(issuing.subject);
    expect(crl.nextUpdate?.getTime()).toBe(Math.floor(NOW / 1000) * 1000 + 7 * DAY);
    const entry = crl.findRevoked(new x509.X509Certificate(agency.certificatePem));
    expect(entry?.reason).toBe(x509.X509CrlReason.keyCompromise);
    expect(entry?.revocationDate.getTime()).toBe(Math.floor(at.getTime() / 1000) * 1000);
  });

  it("an empty CRL is valid too", async () => {
    const crl = new x509.X509Crl(await issueCrl(pki));
    expect(crl.entries).toHaveLength(0);
  });

  it("the root's CRL is signed by the root and revokes nothing (TLS checks every CA on the path)", async () => {
    const revoked = revokeCertificate(agency.state, agency.serialNumber);
    const crl = new x509.X509Crl(await issueCrl(revoked, { issuer: "root" }));
    const root = new x509.X509Certificate(pki.root.certificatePem);
    expect(crl.issuer).toBe(root.subject);
    expect(crl.entries).toHaveLength(0);
    expect(await crl.verify({ publicKey: root.publicKey })).toBe(true);
  });

  it("refuses unknown serials and double revocation", () => {
    expect(code(() => revokeCertificate(agency.state, "abcdef"))).toBe("CERT_UNKNOWN");
    const once = revokeCertificate(agency.state, agency.serialNumber.toUpperCase());
    expect(code(() => revokeCertificate(once, `00${agency.serialNumber}`))).toBe(
      "CERT_ALREADY_REVOKED",
    );
  });
});

describe("PKCS#12", () => {
  it("round-trips key, certificate and chain", () => {
    const p12 = exportPkcs12({
      privateKeyPem: agency.privateKeyPem,
      certificatePem: agency.certificatePem,
      chainPems: [pki.issuing.certificatePem, pki.root.certificatePem],
      password: "changeit",
      friendlyName: ORGAN,
    });
    const back = importPkcs12(p12, "changeit");
    expect(sameKey(back.privateKeyPem, agency.privateKeyPem)).toBe(true);
    expect(der(back.certificatePem)).toEqual(der(agency.certificatePem));
    expect(back.chainPems.map(der)).toEqual(
      [pki.issuing.certificatePem, pki.root.certificatePem].map(der),
    );
  });

  it("reports a wrong password and garbage distinctly", () => {
    const p12 = exportPkcs12({
      privateKeyPem: agency.privateKeyPem,
      certificatePem: agency.certificatePem,
      password: "right",
    });
    expect(code(() => importPkcs12(p12, "wrong"))).toBe("PKCS12_BAD_PASSWORD");
    expect(code(() => importPkcs12(new Uint8Array([1, 2, 3, 4]), "x"))).toBe("PKCS12_MALFORMED");
  });

  it("refuses a key that does not match the certificate, and non-RSA keys", async () => {
    const other = await issueAgencyCertificate(pki, {
      organId: ORGAN,
      name: "EC",
      keyAlgorithm: "ecdsa-p256",
    });
    expect(
      code(() =>
        exportPkcs12({
          privateKeyPem: pki.issuing.privateKeyPem,
          certificatePem: agency.certificatePem,
          password: "x",
        }),
      ),
    ).toBe("KEY_INVALID");
    expect(
      code(() =>
        exportPkcs12({
          privateKeyPem: other.privateKeyPem,
          certificatePem: other.certificatePem,
          password: "x",
        }),
      ),
    ).toBe("PKCS12_UNSUPPORTED_KEY");
  });
});

function sameKey(a: string, b: string): boolean {
  const exp = (pem: string) => createPrivateKey(pem).export({ type: "pkcs8", format: "der" });
  return exp(a).equals(exp(b));
}

function der(pem: string): Buffer {
  return Buffer.from(new NodeCertificate(pem).raw);
}

describe("OpenSSL interoperability", () => {
  it("verifies the chain and sees the CRL revoke the certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edoc-crl-"));
    try {
      const revoked = revokeCertificate(agency.state, agency.serialNumber, {
        at: new Date(Date.now() - 60_000),
      });
      const crl = await issueCrl(revoked);
      expect(crl.startsWith("-----BEGIN X509 CRL-----\n")).toBe(true);
      writeFileSync(join(dir, "cas.pem"), pki.root.certificatePem + pki.issuing.certificatePem);
      writeFileSync(join(dir, "cert.pem"), agency.certificatePem);
      writeFileSync(join(dir, "crl.pem"), crl);
      const openssl = (args: string[]) =>
        spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
      const plain = openssl(["verify", "-CAfile", "cas.pem", "cert.pem"]);
      expect(plain.stdout).toContain("cert.pem: OK");
      const checked = openssl([
        "verify",
        "-crl_check",
        "-CAfile",
        "cas.pem",
        "-CRLfile",
        "crl.pem",
        "cert.pem",
      ]);
      expect(checked.status).not.toBe(0);
      expect(`${checked.stdout}${checked.stderr}`).toContain("certificate revoked");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("OpenSSL reads a PKCS#12 file with the password", () => {
    const dir = mkdtempSync(join(tmpdir(), "edoc-p12-"));
    try {
      const file = join(dir, "agency.p12");
      writeFileSync(
        file,
        exportPkcs12({
          privateKeyPem: agency.privateKeyPem,
          certificatePem: agency.certificatePem,
          chainPems: [pki.issuing.certificatePem],
          password: "changeit",
        }),
      );
      const out = execFileSync(
        "openssl",
        ["pkcs12", "-in", file, "-passin", "pass:changeit", "-nodes"],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      );
      expect(out).toContain("BEGIN PRIVATE KEY");
      expect(out.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
