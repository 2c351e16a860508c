import { createPublicKey, type KeyObject } from "node:crypto";
import { createRequire } from "node:module";

// pkcs11js is CommonJS whose exports Node's ESM loader cannot list: require it.
const pkcs11js = createRequire(import.meta.url)("pkcs11js") as typeof import("pkcs11js");
type Handle = Buffer;

/** Where the hub's key lives: a PKCS#11 module (SoftHSM2, an HSM, a USB token) and names in it. */
export interface TokenConfig {
  /** Path of the PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so */
  modulePath: string;
  tokenLabel: string;
  pin: string;
  /** CKA_LABEL of the private key (and of its public half, when the token holds one). */
  keyLabel: string;
}

export class TokenError extends Error {
  constructor(
    readonly code: "TOKEN_NOT_FOUND" | "KEY_NOT_FOUND" | "TOKEN_LOGIN_FAILED",
    message: string,
  ) {
    super(message);
  }
}

/**
 * One logged-in session on the token and the handle of the signing key. The key never leaves
 * the token: only C_Sign over bytes (RSASSA-PKCS1-v1_5 with SHA-256, CKM_SHA256_RSA_PKCS).
 */
export class Token {
  private constructor(
    private readonly lib: InstanceType<typeof pkcs11js.PKCS11>,
    private readonly session: Handle,
    private readonly key: Handle,
    /** The key's public half, read from its modulus and exponent. */
    readonly publicKey: KeyObject,
  ) {}

  static open(config: TokenConfig): Token {
    const lib = new pkcs11js.PKCS11();
    lib.load(config.modulePath);
    lib.C_Initialize();
    try {
      const slot = lib
        .C_GetSlotList(true)
        .find((s) => lib.C_GetTokenInfo(s).label.trim() === config.tokenLabel);
      if (!slot) throw new TokenError("TOKEN_NOT_FOUND", `no token labelled ${config.tokenLabel}`);
      const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      try {
        lib.C_Login(session, pkcs11js.CKU_USER, config.pin);
      } catch (err) {
        throw new TokenError("TOKEN_LOGIN_FAILED", `login to ${config.tokenLabel} failed: ${err}`);
      }
      const key = findPrivateKey(lib, session, config.keyLabel);
      return new Token(lib, session, key, publicKeyOf(lib, session, key));
    } catch (err) {
      lib.C_Finalize();
      throw err;
    }
  }

  /** Whether the token lets the private key out (it must not: CKA_EXTRACTABLE false, sensitive). */
  keyExportable(): boolean {
    const [extractable, sensitive] = this.lib.C_GetAttributeValue(this.session, this.key, [
      { type: pkcs11js.CKA_EXTRACTABLE },
      { type: pkcs11js.CKA_SENSITIVE },
    ]);
    const on = (v: unknown) => Buffer.isBuffer(v) && v[0] === 1;
    return on(extractable?.value) || !on(sensitive?.value);
  }

  /** RSASSA-PKCS1-v1_5 SHA-256 over `data` (the token hashes it). */
  signRsaSha256(data: Buffer): Buffer {
    this.lib.C_SignInit(this.session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, this.key);
    return this.lib.C_Sign(this.session, data, Buffer.alloc(1024));
  }

  close(): void {
    try {
      this.lib.C_Logout(this.session);
      this.lib.C_CloseSession(this.session);
    } finally {
      this.lib.C_Finalize();
    }
  }
}

function findPrivateKey(
  lib: InstanceType<typeof pkcs11js.PKCS11>,
  session: Handle,
  label: string,
): Handle {
  lib.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_LABEL, value: label },
  ]);
  const found = lib.C_FindObjects(session, 2);
  lib.C_FindObjectsFinal(session);
  if (found.length !== 1 || !found[0]) {
    throw new TokenError(
      "KEY_NOT_FOUND",
      `${found.length === 0 ? "no" : "more than one"} private key labelled ${label}`,
    );
  }
  const [type] = lib.C_GetAttributeValue(session, found[0], [{ type: pkcs11js.CKA_KEY_TYPE }]);
  if (!Buffer.isBuffer(type?.value) || Number(type.value.readBigUInt64LE(0)) !== pkcs11js.CKK_RSA) {
    throw new TokenError("KEY_NOT_FOUND", `the key labelled ${label} is not an RSA key`);
  }
  return found[0];
}

/** Modulus and public exponent are public attributes even of a sensitive private key. */
function publicKeyOf(
  lib: InstanceType<typeof pkcs11js.PKCS11>,
  session: Handle,
  key: Handle,
): KeyObject {
  const [n, e] = lib.C_GetAttributeValue(session, key, [
    { type: pkcs11js.CKA_MODULUS },
    { type: pkcs11js.CKA_PUBLIC_EXPONENT },
  ]);
  const b64u = (v: unknown) => Buffer.from(v as Buffer).toString("base64url");
  return createPublicKey({
    key: { kty: "RSA", n: b64u(n?.value), e: b64u(e?.value) },
    format: "jwk",
  });
}
