import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type ChainHead,
  chainHeadPayload,
  ReceiptError,
  type SignedChainHead,
  signChainHead,
  verifyChainHead,
} from "../src/index.js";
import { buildChain, TEST_CERT_KEY_PEM, TEST_CERT_PEM } from "./fixtures.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const otherRsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const ed = generateKeyPairSync("ed25519");
const pss = generateKeyPairSync("rsa-pss", { modulusLength: 2048 });

const pem = (k: KeyObject, type: "pkcs8" | "spki"): string =>
  k.export({ type, format: "pem" }).toString();

function head(): ChainHead {
  const last = buildChain().at(-1)!;
  return { seq: last.seq, hash: last.hash, at: "2025-07-01T03:00:00.000Z" };
}

describe("chain head signatures", () => {
  it("signs canonicalJson({ seq, hash, at }) and nothing else", () => {
    const h = head();
    expect(chainHeadPayload(h).toString()).toBe(`{"at":"${h.at}","hash":"${h.hash}","seq":6}`);
  });

  it.each([
    ["RSA (default PKCS#1 v1.5)", rsa, undefined, "rsa-sha256"],
    ["RSA-PSS on an RSA key", rsa, "rsa-pss-sha256", "rsa-pss-sha256"],
    ["an RSA-PSS key", pss, undefined, "rsa-pss-sha256"],
    ["ECDSA P-256", ec, undefined, "ecdsa-sha256"],
    ["Ed25519", ed, undefined, "ed25519"],
  ] as const)("%s: verifies with the public key", (_name, pair, algorithm, expected) => {
    const signed = signChainHead(
      head(),
      pem(pair.privateKey, "pkcs8"),
      algorithm ? { algorithm } : {},
    );
    expect(signed.algorithm).toBe(expected);
    expect(signed).toMatchObject(head());
    expect(verifyChainHead(signed, pem(pair.publicKey, "spki"))).toBe(true);
    expect(verifyChainHead(signed, pair.publicKey)).toBe(true);
  });

  it("fails with another key, including a key of another type", () => {
    const signed = signChainHead(head(), pem(rsa.privateKey, "pkcs8"));
    expect(verifyChainHead(signed, pem(otherRsa.publicKey, "spki"))).toBe(false);
    expect(verifyChainHead(signed, pem(ec.publicKey, "spki"))).toBe(false);
    expect(verifyChainHead(signed, ed.publicKey)).toBe(false);
  });

  it.each([
    ["seq", (h: SignedChainHead) => ({ ...h, seq: h.seq + 1 })],
    ["hash", (h: SignedChainHead) => ({ ...h, hash: "0".repeat(64) })],
    ["at", (h: SignedChainHead) => ({ ...h, at: "2025-07-02T03:00:00.000Z" })],
    ["algorithm", (h: SignedChainHead) => ({ ...h, algorithm: "rsa-pss-sha256" as const })],
    ["signature", (h: SignedChainHead) => ({ ...h, signature: `A${h.signature.slice(1)}` })],
    ["signature (not base64)", (h: SignedChainHead) => ({ ...h, signature: "not base64!" })],
  ])("fails when %s is changed", (_field, tamper) => {
    const signed = signChainHead(head(), rsa.privateKey);
    expect(verifyChainHead(tamper(signed), rsa.publicKey)).toBe(false);
  });

  it("refuses RSA keys under 2048 bits and malformed heads", () => {
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 });
    expect(() => signChainHead(head(), weak.privateKey)).toThrow(
      expect.objectContaining({ code: "CHAIN_KEY_INVALID" }),
    );
    expect(() => signChainHead({ ...head(), at: "yesterday" }, rsa.privateKey)).toThrow(
      expect.objectContaining({ code: "CHAIN_HEAD_INVALID" }),
    );
    expect(() => signChainHead(head(), ec.privateKey, { algorithm: "rsa-sha256" })).toThrow(
      expect.objectContaining({ code: "CHAIN_KEY_INVALID" }),
    );
    expect(() => signChainHead(head(), "-----BEGIN PRIVATE KEY-----\nxx\n")).toThrow(ReceiptError);
  });

  it("throws CHAIN_KEY_INVALID when the verification key cannot be read", () => {
    const signed = signChainHead(head(), rsa.privateKey);
    expect(() => verifyChainHead(signed, "not a key")).toThrow(
      expect.objectContaining({ code: "CHAIN_KEY_INVALID" }),
    );
  });
});

describe("chain heads with the hub certificate", () => {
  it("verifies with the certificate PEM and can carry it", () => {
    const signed = signChainHead(head(), TEST_CERT_KEY_PEM, { certificatePem: TEST_CERT_PEM });
    expect(signed.algorithm).toBe("ecdsa-sha256");
    expect(signed.certificatePem).toBe(TEST_CERT_PEM);
    expect(verifyChainHead(signed, TEST_CERT_PEM)).toBe(true);
    expect(verifyChainHead(signed, pem(ec.publicKey, "spki"))).toBe(false);
  });

  it("refuses a certificate that does not hold the signing key", () => {
    expect(() => signChainHead(head(), ec.privateKey, { certificatePem: TEST_CERT_PEM })).toThrow(
      expect.objectContaining({ code: "CHAIN_KEY_INVALID" }),
    );
  });

  it("does not trust the certificate embedded in the head", () => {
    const signed = signChainHead(head(), ec.privateKey);
    const claimed = { ...signed, certificatePem: TEST_CERT_PEM };
    expect(verifyChainHead(claimed, TEST_CERT_PEM)).toBe(false);
  });
});
