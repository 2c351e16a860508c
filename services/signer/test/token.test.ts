import { execFileSync } from "node:child_process";
import { generateKeyPairSync, verify } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Token } from "../src/token.js";

const SCRIPT = join(import.meta.dirname, "../../../infra/softhsm.sh");
const MODULE = "/usr/lib/softhsm/libsofthsm2.so";

describe("Token (SoftHSM2 over PKCS#11)", () => {
  const dir = mkdtempSync(join(tmpdir(), "edoc-token-"));
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  let token: Token;

  beforeAll(() => {
    const keyFile = join(dir, "key.pem");
    writeFileSync(keyFile, keys.privateKey.export({ type: "pkcs8", format: "pem" }));
    execFileSync("bash", [SCRIPT, "token", join(dir, "hsm"), "edoc-test", keyFile]);
    expect(existsSync(keyFile)).toBe(false);
    process.env.SOFTHSM2_CONF = join(dir, "hsm", "softhsm2.conf");
    token = Token.open({
      modulePath: MODULE,
      tokenLabel: "edoc-test",
      pin: readFileSync(join(dir, "hsm", "pin"), "utf8").trim(),
      keyLabel: "hub-receipts",
    });
  });
  afterAll(() => {
    token?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("signs RSA-SHA256 that Node verifies with the imported key's public half", () => {
    const data = Buffer.from("<SignedInfo>chữ ký</SignedInfo>");
    const sig = token.signRsaSha256(data);
    expect(sig.length).toBe(256);
    expect(verify("sha256", data, keys.publicKey, sig)).toBe(true);
    expect(verify("sha256", Buffer.from("other"), keys.publicKey, sig)).toBe(false);
  });

  it("reads the public key from the token and does not let the private key out", () => {
    const spki = (k: typeof keys.publicKey) => k.export({ type: "spki", format: "der" });
    expect(spki(token.publicKey).equals(spki(keys.publicKey))).toBe(true);
    expect(token.keyExportable()).toBe(false);
  });

  it("re-running the token script keeps the token and its key", () => {
    execFileSync("bash", [SCRIPT, "token", join(dir, "hsm"), "edoc-test"]);
    expect(
      verify("sha256", Buffer.from("x"), keys.publicKey, token.signRsaSha256(Buffer.from("x"))),
    ).toBe(true);
  });
});
