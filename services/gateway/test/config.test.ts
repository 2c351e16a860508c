import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@edoc/runtime";
import { describe, expect, it } from "vitest";
import { DEFAULT_TLS_CIPHERS, loadGatewayConfig, loadPdfPolicy } from "../src/config.js";

const base = {
  EDOC_TRUST_FILE: "/t.pem",
  EDOC_HUB_KEY: "/k.pem",
  EDOC_HUB_CERT: "/c.pem",
  EDOC_RECEIPT_CERT: "/r.pem",
};

describe("gateway configuration", () => {
  it("has generous defaults for rate limiting and polls the trust files every 5 s", () => {
    const c = loadGatewayConfig(base);
    expect(c).toMatchObject({
      ratePerSecond: 50,
      rateBurst: 200,
      trustReloadMs: 5_000,
      maxAttachmentBytes: undefined,
      maxElements: undefined,
      tlsCiphers: DEFAULT_TLS_CIPHERS,
    });
  });

  it("reads the limits, and refuses garbage rather than running with NaN", () => {
    const c = loadGatewayConfig({
      ...base,
      EDOC_RATE_PER_SECOND: "0.5",
      EDOC_RATE_BURST: "3",
      EDOC_MAX_ATTACHMENT_BYTES: "65536",
      EDOC_MAX_ELEMENTS: "20000",
      EDOC_TRUST_RELOAD_MS: "0",
    });
    expect(c).toMatchObject({
      ratePerSecond: 0.5,
      rateBurst: 3,
      maxAttachmentBytes: 65536,
      maxElements: 20000,
      trustReloadMs: 0,
    });
    for (const env of [
      { EDOC_RATE_PER_SECOND: "fast" },
      { EDOC_RATE_PER_SECOND: "-1" },
      { EDOC_RATE_BURST: "0" },
      { EDOC_MAX_PACKET_BYTES: "0" },
      { EDOC_MAX_ELEMENTS: "many" },
    ]) {
      expect(() => loadGatewayConfig({ ...base, ...env }), JSON.stringify(env)).toThrow(/EDOC_/);
    }
  });

  it("live revocation: on by default, fail closed for every CA unless listed by fingerprint", () => {
    expect(loadGatewayConfig(base)).toMatchObject({
      liveRevocation: true,
      crlRefreshMs: 300_000,
      revocationTimeoutMs: 5_000,
      revocationSoftFail: [],
    });
    const fp = "AB:".repeat(31) + "CD";
    const c = loadGatewayConfig({
      ...base,
      EDOC_LIVE_REVOCATION: "false",
      EDOC_CRL_REFRESH_MS: "1000",
      EDOC_REVOCATION_SOFT_FAIL: ` ${fp} , ${"0".repeat(64)}`,
    });
    expect(c.liveRevocation).toBe(false);
    expect(c.crlRefreshMs).toBe(1000);
    expect(c.revocationSoftFail).toEqual([`${"ab".repeat(31)}cd`, "0".repeat(64)]);
    for (const env of [
      { EDOC_REVOCATION_SOFT_FAIL: "issuing-ca" },
      { EDOC_CRL_REFRESH_MS: "0" },
      { EDOC_REVOCATION_TIMEOUT_MS: "0" },
    ]) {
      expect(() => loadGatewayConfig({ ...base, ...env }), JSON.stringify(env)).toThrow(/EDOC_/);
    }
  });
});

describe("the PDF policy file (EDOC_PDF_POLICY_FILE)", () => {
  const file = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), "pdf-policy-")), "policy.json");
    writeFileSync(path, text);
    return path;
  };

  it("is record-only without a file, and read and validated with one", () => {
    expect(loadGatewayConfig(base).pdfPolicyFile).toBeUndefined();
    expect(loadPdfPolicy(undefined)).toEqual({ default: "record", agencies: {} });
    const path = file('{ "default": "warn", "agencies": { "000.00.02.H45": "refuse" } }');
    expect(loadGatewayConfig({ ...base, EDOC_PDF_POLICY_FILE: path }).pdfPolicyFile).toBe(path);
    expect(loadPdfPolicy(path)).toEqual({
      default: "warn",
      agencies: { "000.00.02.H45": "refuse" },
    });
  });

  it("stops the gateway on a missing file, bad JSON, an unknown action or key", () => {
    expect(() => loadPdfPolicy("/nonexistent/policy.json")).toThrow(ConfigError);
    expect(() => loadPdfPolicy(file("{"))).toThrow(/not JSON/);
    expect(() => loadPdfPolicy(file('{ "default": "block" }'))).toThrow(/default/);
    expect(() => loadPdfPolicy(file('{ "agency": {} }'))).toThrow(/invalid/);
    expect(() => loadPdfPolicy(file('{ "agencies": { "H45": "warn" } }'))).toThrow(/OrganId/);
  });
});
