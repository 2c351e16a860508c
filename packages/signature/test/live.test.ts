import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createDevPki,
  type DevPkiState,
  type IssuedKeyPair,
  issueAgencyCertificate,
  issueCrl,
  ocspIndex,
  revokeCertificate,
} from "@edoc/pki";
import { type RevocationSource, type TrustPolicy, verifyCertificate } from "@edoc/signature";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Live revocation judged by @edoc/signature, with every answer made by OpenSSL: `openssl ocsp`
// answers each request file from the index the dev PKI writes (as its responder would over
// HTTP), and CRLs come from the dev PKI. Only the transport is left out.
const OCSP = "http://ocsp.test";
const CRL_BASE = "http://crl.test";
let dir: string;
let pki: DevPkiState;
let good: IssuedKeyPair;
let revoked: IssuedKeyPair;
let crlOnly: IssuedKeyPair;

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** `openssl ocsp` answering one DER request, signed by `signer` (default: the issuing CA). */
function opensslAnswer(
  request: Uint8Array,
  signer = { cert: pki.issuing.certificatePem, key: pki.issuing.privateKeyPem },
): Uint8Array {
  const out = join(dir, "resp.der");
  execFileSync("openssl", [
    "ocsp",
    ...["-index", file("index.txt", ocspIndex(pki))],
    ...["-CA", file("ca.pem", pki.issuing.certificatePem)],
    ...["-rsigner", file("rsigner.pem", signer.cert)],
    ...["-rkey", file("rkey.pem", signer.key)],
    ...["-reqin", file("req.der", request)],
    ...["-respout", out],
  ]);
  return readFileSync(out);
}

function policy(source: Partial<RevocationSource>, extra: Partial<TrustPolicy> = {}): TrustPolicy {
  return {
    trustAnchors: [pki.root.certificatePem],
    intermediates: [pki.issuing.certificatePem],
    revocationSource: {
      crls: source.crls ?? (async () => []),
      ocsp: source.ocsp ?? (async (_u, r) => opensslAnswer(r)),
    },
    ...extra,
  };
}

const codes = (r: { reasons: { code: string }[] }) => r.reasons.map((x) => x.code);
const issuingFingerprint = () =>
  createHash("sha256").update(new X509Certificate(pki.issuing.certificatePem).raw).digest("hex");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "edoc-live-"));
  pki = { ...(await createDevPki()), publication: { ocspUrl: OCSP } };
  good = await issueAgencyCertificate(pki, { organId: "000.00.01.H53", name: "Good" });
  revoked = await issueAgencyCertificate(good.state, { organId: "000.00.02.H53", name: "Gone" });
  pki = { ...revoked.state, publication: { crlBaseUrl: CRL_BASE } };
  crlOnly = await issueAgencyCertificate(pki, { organId: "000.00.03.H53", name: "Crl" });
  pki = revokeCertificate(crlOnly.state, revoked.serialNumber, { reason: "keyCompromise" });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("OCSP answers from openssl ocsp", () => {
  it("good: checked, the answer recorded", async () => {
    const r = await verifyCertificate(good.certificatePem, policy({}));
    expect(r.reasons).toEqual([]);
    expect(r.revocation).toBe("checked");
    expect(r.ocspUsed).toEqual([expect.objectContaining({ responder: OCSP, status: "good" })]);
  });

  it("revoked: CERT_REVOKED naming the responder", async () => {
    const r = await verifyCertificate(revoked.certificatePem, policy({}));
    expect(codes(r)).toEqual(["CERT_REVOKED"]);
    expect(r.reasons[0]?.message).toContain(`OCSP ${OCSP}`);
  });

  it("a replayed answer (another request's nonce) is not an answer", async () => {
    let first: Uint8Array | undefined;
    const replaying = policy({
      ocsp: async (_u, req) => {
        first ??= opensslAnswer(req);
        return first;
      },
    });
    expect((await verifyCertificate(good.certificatePem, replaying)).valid).toBe(true);
    const again = await verifyCertificate(good.certificatePem, replaying);
    expect(codes(again)).toEqual(["REVOCATION_UNAVAILABLE"]);
    expect(again.reasons[0]?.message).toMatch(/nonce/);
  });

  it("an answer signed by a key the CA never authorised is refused; a delegated OCSP signer is accepted", async () => {
    // Both responder certificates made by OpenSSL; only the second is the CA's, with OCSPSigning.
    const key = join(dir, "responder.key");
    execFileSync("openssl", ["genrsa", "-out", key, "2048"], { stdio: "ignore" });
    const selfSigned = execFileSync(
      "openssl",
      ["req", "-new", "-x509", "-key", key, "-subj", "/CN=rogue responder", "-days", "2"],
      { encoding: "utf8" },
    );
    const rogue = { cert: selfSigned, key: readFileSync(key, "utf8") };
    const r1 = await verifyCertificate(
      revoked.certificatePem,
      policy({ ocsp: async (_u, req) => opensslAnswer(req, rogue) }),
    );
    expect(codes(r1)).toEqual(["REVOCATION_UNAVAILABLE"]);
    expect(r1.reasons[0]?.message).toMatch(/did not authorize for OCSP signing/);

    const csr = execFileSync("openssl", ["req", "-new", "-key", key, "-subj", "/CN=ocsp"]);
    const delegated = execFileSync(
      "openssl",
      [
        ...["x509", "-req", "-days", "2", "-set_serial", "77"],
        ...["-CA", file("ca.pem", pki.issuing.certificatePem)],
        ...["-CAkey", file("cakey.pem", pki.issuing.privateKeyPem)],
        ...["-extfile", file("ext.cnf", "extendedKeyUsage=OCSPSigning\n")],
      ],
      { input: csr, encoding: "utf8" },
    );
    const r2 = await verifyCertificate(
      revoked.certificatePem,
      policy({ ocsp: async (_u, req) => opensslAnswer(req, { ...rogue, cert: delegated }) }),
    );
    expect(codes(r2)).toEqual(["CERT_REVOKED"]);
  });
});

describe("fetched CRLs and the unavailability policy", () => {
  it("a fetched CRL decides; without one the CA's policy does", async () => {
    const crl = await issueCrl(pki);
    const fetched = policy({ crls: async (urls) => urls.map((url) => ({ url, pem: crl })) });
    const r = await verifyCertificate(crlOnly.certificatePem, fetched);
    expect(r.reasons).toEqual([]);
    expect(r.crlsUsed.map((c) => c.url)).toEqual([`${CRL_BASE}/issuing.crl`]);

    const stale = await issueCrl(pki, {
      thisUpdate: new Date(Date.now() - 3 * 86_400_000),
      nextUpdate: new Date(Date.now() - 86_400_000),
    });
    const staleOnly = policy({ crls: async (urls) => urls.map((url) => ({ url, pem: stale })) });
    const closed = await verifyCertificate(crlOnly.certificatePem, staleOnly);
    expect(codes(closed)).toEqual(["REVOCATION_UNAVAILABLE"]);
    expect(closed.reasons[0]?.message).toMatch(/stale/);

    const soft = await verifyCertificate(crlOnly.certificatePem, {
      ...staleOnly,
      revocationSoftFail: [issuingFingerprint()],
    });
    expect(soft.valid).toBe(true);
    expect(soft.warnings?.map((w) => w.code)).toEqual(["REVOCATION_UNAVAILABLE"]);
  });

  it("soft-fail never hides a revocation; an unreachable responder falls back to nothing", async () => {
    const down = policy(
      {
        ocsp: async () => {
          throw new Error("connect ECONNREFUSED");
        },
      },
      { revocationSoftFail: [issuingFingerprint()] },
    );
    const unreachable = await verifyCertificate(revoked.certificatePem, down);
    expect(unreachable.valid).toBe(true);
    expect(unreachable.warnings?.[0]?.message).toMatch(/unreachable \(connect ECONNREFUSED\)/);
    const answered = await verifyCertificate(revoked.certificatePem, {
      ...policy({}),
      revocationSoftFail: [issuingFingerprint()],
    });
    expect(codes(answered)).toEqual(["CERT_REVOKED"]);
  });
});
