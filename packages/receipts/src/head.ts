import {
  constants,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
  X509Certificate,
} from "node:crypto";
import { canonicalJson } from "./canonical-json.js";
import { quote, ReceiptError } from "./errors.js";
import { isIsoUtcMs, SHA256_HEX } from "./hash.js";

/** A checkpoint of the receipt chain: the last seq and hash at a moment. */
export interface ChainHead {
  seq: number;
  hash: string;
  /** ISO-8601 UTC with milliseconds */
  at: string;
}

/**
 * - rsa-sha256: RSASSA-PKCS1-v1_5 (what every verifier speaks);
 * - rsa-pss-sha256: RSASSA-PSS, MGF1-SHA-256, 32-byte salt (what the newer circular prefers);
 * - ecdsa-sha256: DER-encoded (r, s), as OpenSSL writes it;
 * - ed25519: pure Ed25519.
 */
export type ChainHeadAlgorithm = "rsa-sha256" | "rsa-pss-sha256" | "ecdsa-sha256" | "ed25519";

export interface SignedChainHead extends ChainHead {
  algorithm: ChainHeadAlgorithm;
  /** base64 signature over canonicalJson({ seq, hash, at }) */
  signature: string;
  /** the hub's certificate, for convenience; a verifier decides itself which key to trust */
  certificatePem?: string;
  /**
   * base64 DER RFC 3161 TimeStampToken over timestampedHeadBytes(head), from the hub's TSA;
   * absent until the TSA answered (or when none is configured).
   */
  timestampToken?: string;
}

/** RSA keys shorter than this are refused (the signature-format circular's floor). */
export const MIN_RSA_BITS = 2048;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function headProblem(head: ChainHead): string | undefined {
  if (typeof head !== "object" || head === null) return "must be an object";
  if (!Number.isSafeInteger(head.seq) || head.seq < 0) return "seq must be a non-negative integer";
  if (typeof head.hash !== "string" || !SHA256_HEX.test(head.hash)) {
    return "hash must be lower-case SHA-256 hex";
  }
  if (!isIsoUtcMs(head.at)) return `at ${quote(head.at)} must be ISO-8601 UTC with milliseconds`;
  return undefined;
}

/** The exact bytes signed: nothing but the three head fields. */
export function chainHeadPayload(head: ChainHead): Buffer {
  return Buffer.from(canonicalJson({ seq: head.seq, hash: head.hash, at: head.at }), "utf8");
}

/**
 * The bytes a TSA stamps for a signed head: the head fields and the hub's signature, so the
 * token dates the signed head itself (its messageImprint is their SHA-256).
 */
export function timestampedHeadBytes(head: SignedChainHead): Buffer {
  const { seq, hash, at, algorithm, signature } = head;
  return Buffer.from(canonicalJson({ seq, hash, at, algorithm, signature }), "utf8");
}

function keyInvalid(message: string): ReceiptError {
  return new ReceiptError("CHAIN_KEY_INVALID", message);
}

function algorithmsFor(key: KeyObject): readonly ChainHeadAlgorithm[] {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return ["rsa-sha256", "rsa-pss-sha256"];
    case "rsa-pss":
      return ["rsa-pss-sha256"];
    case "ec":
      return ["ecdsa-sha256"];
    case "ed25519":
      return ["ed25519"];
    default:
      return [];
  }
}

function signOrVerifyOptions(algorithm: ChainHeadAlgorithm, key: KeyObject) {
  switch (algorithm) {
    case "rsa-sha256":
      return { digest: "sha256", key: { key, padding: constants.RSA_PKCS1_PADDING } };
    case "rsa-pss-sha256":
      return {
        digest: "sha256",
        key: {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        },
      };
    case "ecdsa-sha256":
      return { digest: "sha256", key: { key, dsaEncoding: "der" as const } };
    case "ed25519":
      return { digest: null, key: { key } };
  }
}

function spki(key: KeyObject): string {
  return key.export({ type: "spki", format: "der" }).toString("base64");
}

/**
 * Sign a chain head with the hub's private key (PEM or KeyObject) using Node's native crypto.
 * The algorithm follows the key: RSA defaults to rsa-sha256 (pass `rsa-pss-sha256` for PSS),
 * EC to ecdsa-sha256, Ed25519 to ed25519. RSA keys under 2048 bits are refused. When
 * `certificatePem` is given it must hold the public half of this key.
 */
export function signChainHead(
  head: ChainHead,
  privateKey: string | KeyObject,
  opts: { algorithm?: ChainHeadAlgorithm; certificatePem?: string } = {},
): SignedChainHead {
  const problem = headProblem(head);
  if (problem !== undefined) {
    throw new ReceiptError("CHAIN_HEAD_INVALID", `chain head ${problem}`);
  }
  let key: KeyObject;
  try {
    key = typeof privateKey === "string" ? createPrivateKey(privateKey) : privateKey;
  } catch (e) {
    throw keyInvalid(`chain head signing key is not a readable private key: ${String(e)}`);
  }
  if (key.type !== "private") throw keyInvalid("chain head signing key must be a private key");
  const allowed = algorithmsFor(key);
  const algorithm = opts.algorithm ?? allowed[0];
  if (algorithm === undefined || !allowed.includes(algorithm)) {
    throw keyInvalid(
      `a ${key.asymmetricKeyType ?? "unknown"} key cannot sign ${opts.algorithm ?? "chain heads"}` +
        ` (supported: RSA ≥ ${MIN_RSA_BITS} bits, EC, Ed25519)`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (algorithm.startsWith("rsa") && (bits === undefined || bits < MIN_RSA_BITS)) {
    throw keyInvalid(`RSA key of ${bits ?? "unknown"} bits; at least ${MIN_RSA_BITS} required`);
  }
  const signed: SignedChainHead = {
    seq: head.seq,
    hash: head.hash,
    at: head.at,
    algorithm,
    signature: "",
  };
  if (opts.certificatePem !== undefined) {
    let certKey: KeyObject;
    try {
      certKey = new X509Certificate(opts.certificatePem).publicKey;
    } catch (e) {
      throw keyInvalid(`certificatePem is not a readable X.509 certificate: ${String(e)}`);
    }
    if (spki(certKey) !== spki(createPublicKey(key))) {
      throw keyInvalid("certificatePem does not hold the public key of the signing key");
    }
    signed.certificatePem = opts.certificatePem;
  }
  const { digest, key: keyOpts } = signOrVerifyOptions(algorithm, key);
  signed.signature = sign(digest, chainHeadPayload(head), keyOpts).toString("base64");
  return signed;
}

/** A public key from a public-key PEM, a certificate PEM or a KeyObject (private → its public half). */
function publicKeyOf(keyOrCert: string | KeyObject): KeyObject {
  if (typeof keyOrCert !== "string") {
    return keyOrCert.type === "private" ? createPublicKey(keyOrCert) : keyOrCert;
  }
  try {
    return keyOrCert.includes("-----BEGIN CERTIFICATE-----")
      ? new X509Certificate(keyOrCert).publicKey
      : createPublicKey(keyOrCert);
  } catch (e) {
    throw keyInvalid(
      `chain head verification key is neither a public key nor a certificate: ${String(e)}`,
    );
  }
}

/**
 * True when `head.signature` is a valid signature of its seq, hash and at under the given
 * key. The key is the caller's choice: a certificate embedded in the head is not trusted
 * here, and whether the certificate itself is trusted (chain, validity, revocation) is the
 * PKI's question. False for any malformed head or algorithm/key mismatch; throws
 * CHAIN_KEY_INVALID only when the key argument itself cannot be read.
 */
export function verifyChainHead(
  head: SignedChainHead,
  publicKeyOrCertPem: string | KeyObject,
): boolean {
  const key = publicKeyOf(publicKeyOrCertPem);
  if (headProblem(head) !== undefined) return false;
  if (!algorithmsFor(key).includes(head.algorithm)) return false;
  if (typeof head.signature !== "string" || !BASE64.test(head.signature)) return false;
  const { digest, key: keyOpts } = signOrVerifyOptions(head.algorithm, key);
  try {
    return verify(digest, chainHeadPayload(head), keyOpts, Buffer.from(head.signature, "base64"));
  } catch {
    return false;
  }
}

/** Signs bytes with a key held elsewhere (the hub's PKCS#11 signer): RSASSA-PKCS1-v1_5 SHA-256. */
export type RemoteRsaSha256 = (payload: Buffer) => Promise<Buffer>;

/**
 * signChainHead with the key out of this process: `sign` returns the rsa-sha256 signature of
 * the payload. With `certificatePem` the signature is checked against it before the head is
 * returned, so a signer holding the wrong key never yields a head nobody can verify.
 */
export async function signChainHeadRemote(
  head: ChainHead,
  sign: RemoteRsaSha256,
  opts: { certificatePem?: string } = {},
): Promise<SignedChainHead> {
  const problem = headProblem(head);
  if (problem !== undefined) {
    throw new ReceiptError("CHAIN_HEAD_INVALID", `chain head ${problem}`);
  }
  const signature = (await sign(chainHeadPayload(head))).toString("base64");
  const signed: SignedChainHead = {
    seq: head.seq,
    hash: head.hash,
    at: head.at,
    algorithm: "rsa-sha256",
    signature,
  };
  if (opts.certificatePem !== undefined) {
    if (!verifyChainHead(signed, opts.certificatePem)) {
      throw keyInvalid("the signer's signature does not verify with certificatePem");
    }
    signed.certificatePem = opts.certificatePem;
  }
  return signed;
}
