import {
  constants,
  createPrivateKey,
  createPublicKey,
  type KeyLike,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";

export const DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";

export const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
/** Canonical XML 1.0, as the VPCP SDK writes for SignedInfo. */
export const C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
export const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

export const SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1";
export const SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256";
export const SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512";

export const RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
export const RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
export const RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
export const RSA_PSS_SHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1";
export const ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

/** What a signer may choose; verification accepts these plus rsa-sha512 and legacy rsa-sha1. */
export type SigningAlgorithm = "rsa-sha256" | "rsa-pss-sha256" | "ecdsa-sha256";

export const SIGNING_ALGORITHM_URIS: Readonly<Record<SigningAlgorithm, string>> = {
  "rsa-sha256": RSA_SHA256,
  "rsa-pss-sha256": RSA_PSS_SHA256,
  "ecdsa-sha256": ECDSA_SHA256,
};

/** A SignatureMethod this package implements itself on Node's crypto. */
export interface Method {
  readonly hash: "sha1" | "sha256" | "sha512";
  readonly key: "rsa" | "ec";
  readonly pss: boolean;
  /** Only with TrustPolicy.allowSha1 (the VPCP SDK's rsa-sha1). */
  readonly legacy: boolean;
}

export const SIGNATURE_METHODS: ReadonlyMap<string, Method> = new Map([
  [RSA_SHA1, { hash: "sha1", key: "rsa", pss: false, legacy: true }],
  [RSA_SHA256, { hash: "sha256", key: "rsa", pss: false, legacy: false }],
  [RSA_SHA512, { hash: "sha512", key: "rsa", pss: false, legacy: false }],
  [RSA_PSS_SHA256, { hash: "sha256", key: "rsa", pss: true, legacy: false }],
  [ECDSA_SHA256, { hash: "sha256", key: "ec", pss: false, legacy: false }],
]);

/** DigestMethods accepted; the boolean marks the legacy one. */
export const DIGEST_METHODS: ReadonlyMap<string, boolean> = new Map([
  [SHA1, true],
  [SHA256, false],
  [SHA512, false],
]);

/** Node's hash name for each digest algorithm URI. */
export const DIGEST_HASHES: Readonly<Record<string, "sha1" | "sha256" | "sha512">> = {
  [SHA1]: "sha1",
  [SHA256]: "sha256",
  [SHA512]: "sha512",
};

export const SIGNED_INFO_C14N: ReadonlySet<string> = new Set([EXC_C14N, C14N_10]);

/** Short names used in reports. */
export function algorithmName(uri: string): string {
  return uri.slice(Math.max(uri.lastIndexOf("#"), uri.lastIndexOf("/")) + 1);
}

function keyObject(key: KeyLike, make: (k: string | Buffer) => KeyObject): KeyObject {
  return typeof key === "string" || Buffer.isBuffer(key) ? make(key) : (key as KeyObject);
}

interface KeyOptions {
  key: KeyObject;
  dsaEncoding?: "der" | "ieee-p1363";
  padding?: number;
  saltLength?: number;
}

/** RSA-PSS per RFC 6931: MGF1 with the same hash; salt = digest length when signing. */
function options(method: Method, key: KeyObject, signing: boolean): KeyOptions {
  if (method.key === "ec") return { key, dsaEncoding: "ieee-p1363" };
  if (method.pss) {
    return {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: signing ? constants.RSA_PSS_SALTLEN_DIGEST : constants.RSA_PSS_SALTLEN_AUTO,
    };
  }
  return { key, padding: constants.RSA_PKCS1_PADDING };
}

export function signWith(method: Method, data: string, privateKey: KeyLike): string {
  const key = keyObject(privateKey, createPrivateKey);
  return nodeSign(method.hash, Buffer.from(data, "utf8"), options(method, key, true)).toString(
    "base64",
  );
}

/** False, never an exception, for a key of the wrong type or a garbled value. */
export function verifyWith(
  method: Method,
  data: string,
  publicKey: KeyLike,
  value: string,
): boolean {
  try {
    const key = keyObject(publicKey, createPublicKey);
    if (key.asymmetricKeyType !== method.key) return false;
    return nodeVerify(
      method.hash,
      Buffer.from(data, "utf8"),
      options(method, key, false),
      Buffer.from(value.replace(/\s+/g, ""), "base64"),
    );
  } catch {
    return false;
  }
}
