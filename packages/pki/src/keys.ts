import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  type webcrypto,
} from "node:crypto";
import { PkiError } from "./errors.js";

/** Key types the dev PKI issues: RSA-2048 (default, what QCVN senders use) or ECDSA P-256. */
export type KeyAlgorithm = "rsa-2048" | "ecdsa-p256";

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ["rsa-2048", "ecdsa-p256"];

export interface KeyPairPem {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** A fresh key pair from Node's native crypto (off the main thread), as PKCS#8 / SPKI PEM. */
export function generateKeys(algorithm: KeyAlgorithm): Promise<KeyPairPem> {
  const encoding = {
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  } as const;
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKeyPem: string, privateKeyPem: string) =>
      err ? reject(err) : resolve({ privateKeyPem, publicKeyPem });
    if (algorithm === "rsa-2048")
      generateKeyPair("rsa", { modulusLength: 2048, ...encoding }, done);
    else generateKeyPair("ec", { namedCurve: "P-256", ...encoding }, done);
  });
}

function algorithmOf(key: KeyObject): KeyAlgorithm {
  if (key.asymmetricKeyType === "rsa") return "rsa-2048";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") {
    return "ecdsa-p256";
  }
  throw new PkiError(
    "KEY_INVALID",
    `unsupported key type ${key.asymmetricKeyType ?? "unknown"}: expected RSA or ECDSA P-256`,
  );
}

function webcryptoParams(
  algorithm: KeyAlgorithm,
): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams {
  return algorithm === "rsa-2048"
    ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
    : { name: "ECDSA", namedCurve: "P-256" };
}

/** How a key of this type signs certificates and CRLs: always with SHA-256. */
export function signingAlgorithmFor(
  algorithm: KeyAlgorithm,
): webcrypto.RsaHashedImportParams | webcrypto.EcdsaParams {
  return algorithm === "rsa-2048"
    ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
    : { name: "ECDSA", hash: "SHA-256" };
}

export interface SigningKey {
  readonly algorithm: KeyAlgorithm;
  readonly key: webcrypto.CryptoKey;
}

/** Imports a PKCS#8 (or traditional) PEM private key for WebCrypto signing. */
export async function importSigningKey(privateKeyPem: string): Promise<SigningKey> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(privateKeyPem);
  } catch {
    throw new PkiError("KEY_INVALID", "private key is not a readable PEM private key");
  }
  const algorithm = algorithmOf(keyObject);
  const der = keyObject.export({ type: "pkcs8", format: "der" });
  const key = await globalThis.crypto.subtle.importKey(
    "pkcs8",
    der,
    webcryptoParams(algorithm),
    false,
    ["sign"],
  );
  return { algorithm, key };
}

/** Imports an SPKI PEM public key (or the public half of a private key) for certificates. */
export async function importPublicKey(pem: string): Promise<webcrypto.CryptoKey> {
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey(pem);
  } catch {
    throw new PkiError("KEY_INVALID", "public key is not a readable PEM key");
  }
  const der = keyObject.export({ type: "spki", format: "der" });
  return globalThis.crypto.subtle.importKey(
    "spki",
    der,
    webcryptoParams(algorithmOf(keyObject)),
    true,
    ["verify"],
  );
}
