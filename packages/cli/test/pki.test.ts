import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importPkcs12, organIdsOf, parseDevPkiState } from "@edoc/pki";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Command } from "../src/command.js";
import { pkiCommand } from "../src/commands/pki.js";

const ORGAN = "000.00.12.H53";
const scratch = mkdtempSync(join(tmpdir(), "edoc-pki-cli-"));
const dir = join(scratch, "pki");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs a command with stdout captured; a thrown CliError becomes its exit code. */
async function run(command: Command, ...args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  });
  try {
    const code = await command.run(args);
    return { code, out: chunks.join("") };
  } catch (err) {
    const exitCode = (err as { exitCode?: number }).exitCode;
    if (exitCode === undefined) throw err;
    return { code: exitCode, out: `${chunks.join("")}${(err as Error).message}` };
  }
}

const mode = (file: string) => statSync(file).mode & 0o777;

beforeAll(async () => {
  expect((await run(pkiCommand, "init", "--dir", dir)).code).toBe(0);
});

describe("edoc pki", () => {
  it("init writes the state (0600) and the CA files", () => {
    expect(mode(join(dir, "pki.json"))).toBe(0o600);
    const state = parseDevPkiState(JSON.parse(readFileSync(join(dir, "pki.json"), "utf8")));
    expect(readFileSync(join(dir, "root-ca.pem"), "utf8")).toBe(state.root.certificatePem);
    expect(readFileSync(join(dir, "issuing-ca.pem"), "utf8")).toBe(state.issuing.certificatePem);
    expect(readFileSync(join(dir, "chain.pem"), "utf8")).toBe(
      state.issuing.certificatePem + state.root.certificatePem,
    );
  });

  it("init refuses to overwrite an existing PKI unless --force", async () => {
    const before = readFileSync(join(dir, "pki.json"), "utf8");
    const refused = await run(pkiCommand, "init", "--dir", dir);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain("--force");
    expect(readFileSync(join(dir, "pki.json"), "utf8")).toBe(before);

    const other = join(scratch, "forced");
    await run(pkiCommand, "init", "--dir", other);
    const first = readFileSync(join(other, "root-ca.pem"), "utf8");
    expect((await run(pkiCommand, "init", "--dir", other, "--force")).code).toBe(0);
    expect(readFileSync(join(other, "root-ca.pem"), "utf8")).not.toBe(first);
  });

  it("issue writes key, certificate and a PKCS#12 with the printed password", async () => {
    const { code, out } = await run(
      pkiCommand,
      "issue",
      "--dir",
      dir,
      "--organ",
      ORGAN,
      "--name",
      "Sở Tài chính",
      "--days",
      "30",
    );
    expect(code).toBe(0);
    expect(out).toContain("changeit");
    const agency = join(dir, "agencies", ORGAN);
    expect(mode(join(agency, "key.pem"))).toBe(0o600);
    expect(mode(join(agency, "agency.p12"))).toBe(0o600);
    const certPem = readFileSync(join(agency, "cert.pem"), "utf8");
    expect(organIdsOf(certPem)).toEqual([ORGAN]);
    const cert = new X509Certificate(certPem);
    const lifetime = new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime();
    expect(Math.round(lifetime / 86_400_000)).toBe(30);
    const p12 = importPkcs12(readFileSync(join(agency, "agency.p12")), "changeit");
    expect(p12.certificatePem.replace(/\s+/g, "")).toBe(certPem.replace(/\s+/g, ""));
    expect(p12.chainPems).toHaveLength(2);
  });

  it("issue refuses a malformed OrganId and a missing PKI with exit 2", async () => {
    const bad = await run(pkiCommand, "issue", "--dir", dir, "--organ", "28.22.H17");
    expect(bad.code).toBe(2);
    expect(bad.out).toContain("ORGAN_ID_MALFORMED");
    const missing = await run(
      pkiCommand,
      "issue",
      "--dir",
      join(scratch, "none"),
      "--organ",
      ORGAN,
    );
    expect(missing.code).toBe(2);
    expect(missing.out).toContain("pki init");
  });

  it("hub writes a TLS certificate for localhost, 127.0.0.1 and the given hosts", async () => {
    const { code } = await run(
      pkiCommand,
      "hub",
      "--dir",
      dir,
      "--host",
      "hub.example.gov.vn",
      "--host",
      "10.0.0.7",
    );
    expect(code).toBe(0);
    const cert = new X509Certificate(readFileSync(join(dir, "hub", "cert.pem")));
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkHost("hub.example.gov.vn")).toBe("hub.example.gov.vn");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkIP("10.0.0.7")).toBe("10.0.0.7");
    expect(mode(join(dir, "hub", "key.pem"))).toBe(0o600);
  });

  it("tsa writes a time-stamping certificate (EKU timeStamping only) and its key", async () => {
    const { code } = await run(pkiCommand, "tsa", "--dir", dir, "--name", "TSA tỉnh");
    expect(code).toBe(0);
    const cert = new X509Certificate(readFileSync(join(dir, "tsa", "cert.pem")));
    expect(cert.subject).toContain("CN=TSA tỉnh");
    // X509Certificate.keyUsage holds the extended key usages: id-kp-timeStamping alone.
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.8"]);
    expect(cert.checkIssued(new X509Certificate(readFileSync(join(dir, "issuing-ca.pem"))))).toBe(
      true,
    );
    expect(mode(join(dir, "tsa", "key.pem"))).toBe(0o600);
  });

  it("revoke publishes at once: the CRLs (PEM, and DER under published/) and the OCSP index", async () => {
    const other = join(scratch, "revoking");
    await run(
      pkiCommand,
      "init",
      "--dir",
      other,
      "--crl-url",
      "http://crl.example.gov.vn/pki/",
      "--ocsp-url",
      "http://ocsp.example.gov.vn",
    );
    await run(pkiCommand, "issue", "--dir", other, "--organ", ORGAN);
    await run(pkiCommand, "issue", "--dir", other, "--organ", ORGAN);
    const revoked = await run(
      pkiCommand,
      "revoke",
      "--dir",
      other,
      "--organ",
      ORGAN,
      "--reason",
      "keyCompromise",
    );
    expect(revoked.code).toBe(0);
    const state = parseDevPkiState(JSON.parse(readFileSync(join(other, "pki.json"), "utf8")));
    expect(state.revoked.map((r) => r.reason)).toEqual(["keyCompromise", "keyCompromise"]);
    expect((await run(pkiCommand, "revoke", "--dir", other, "--organ", ORGAN)).code).toBe(1);
    expect(
      (await run(pkiCommand, "revoke", "--dir", other, "--organ", ORGAN, "--reason", "bored")).code,
    ).toBe(2);

    // Read back by OpenSSL, as a relying party would.
    const crl = openssl("crl", "-inform", "der", "-in", join(other, "published", "issuing.crl"));
    for (const r of state.revoked)
      expect(crl).toContain(`Serial Number: ${r.serialNumber.toUpperCase()}`);
    expect(crl).toContain("Key Compromise");
    expect(existsSync(join(other, "crl.pem"))).toBe(true);
    const index = readFileSync(join(other, "published", "index.txt"), "utf8")
      .trim()
      .split("\n");
    expect(index.map((l) => l.split("\t")[0])).toEqual(["R", "R"]);
    expect(index[0]?.split("\t")[2]).toMatch(/^\d{12}Z,keyCompromise$/);

    // Issued certificates name where to check them; the issuing CA names the root's CRL.
    const leaf = openssl("x509", "-in", join(other, "agencies", ORGAN, "cert.pem"));
    expect(leaf).toContain("URI:http://crl.example.gov.vn/pki/issuing.crl");
    expect(leaf).toContain("OCSP - URI:http://ocsp.example.gov.vn");
    const ca = openssl("x509", "-in", join(other, "issuing-ca.pem"));
    expect(ca).toContain("URI:http://crl.example.gov.vn/pki/root.crl");
    expect((await run(pkiCommand, "crl", "--dir", other)).code).toBe(0);
    expect(
      (await run(pkiCommand, "init", "--dir", join(scratch, "ftp"), "--crl-url", "ftp://x")).code,
    ).toBe(2);
  });

  it("a damaged pki.json is exit 2 with the field named", async () => {
    const other = join(scratch, "damaged");
    await run(pkiCommand, "init", "--dir", other);
    const state = JSON.parse(readFileSync(join(other, "pki.json"), "utf8"));
    writeFileSync(join(other, "pki.json"), JSON.stringify({ ...state, issued: "nope" }));
    const { code, out } = await run(pkiCommand, "crl", "--dir", other);
    expect(code).toBe(2);
    expect(out).toContain("state.issued");
  });

  it("an unknown subcommand is a usage error (exit 2)", async () => {
    const { code, out } = await run(pkiCommand, "frobnicate");
    expect(code).toBe(2);
    expect(out).toContain("unknown subcommand 'frobnicate'");
  });
});

function openssl(kind: "crl" | "x509", ...args: string[]): string {
  return execFileSync("openssl", [kind, ...args, "-noout", "-text"], { encoding: "utf8" });
}
