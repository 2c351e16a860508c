import type { KeyObject } from "node:crypto";
import { SignedXml } from "xml-crypto";
import {
  C14N_10,
  DIGEST_METHODS,
  ENVELOPED,
  EXC_C14N,
  SIGNATURE_METHODS,
  verifyWith,
} from "./algorithms.js";
import type { SignatureShape } from "./structure.js";

export type CryptoOutcome =
  | { readonly ok: true; readonly signedXml: string; readonly signerIndex: number }
  | {
      readonly ok: false;
      readonly code:
        | "SIGNATURE_REFERENCE_INVALID"
        | "SIGNATURE_VALUE_INVALID"
        | "SIGNATURE_MALFORMED";
      readonly message: string;
    };

/**
 * Runs xml-crypto's core validation (reference digest, then SignatureValue over the canonical
 * SignedInfo) with only the algorithms the shape check admitted registered, and with the
 * SignatureValue checked against the KeyInfo candidate keys by this package, never against a
 * key xml-crypto would pick itself. Which candidate verified is reported, so the caller can
 * validate exactly that certificate's path.
 */
export function checkSignatureValue(
  text: string,
  shape: SignatureShape,
  candidates: readonly KeyObject[],
): CryptoOutcome {
  const method = SIGNATURE_METHODS.get(shape.signatureMethod);
  const [firstKey] = candidates;
  if (!method || !firstKey) {
    return {
      ok: false,
      code: "SIGNATURE_MALFORMED",
      message: "no signature method or key to verify with",
    };
  }
  let matched = -1;
  class CandidateKeys {
    getAlgorithmName(): string {
      return shape.signatureMethod;
    }
    getSignature(): string {
      throw new Error("verification only");
    }
    verifySignature(material: string, _key: unknown, value: string): boolean {
      matched = candidates.findIndex((k) => verifyWith(method!, material, k, value));
      return matched >= 0;
    }
  }

  const sig = new SignedXml({ publicCert: firstKey, getCertFromKeyInfo: () => null });
  const builtIn = { hash: sig.HashAlgorithms, c14n: sig.CanonicalizationAlgorithms };
  sig.SignatureAlgorithms = {
    [shape.signatureMethod]: CandidateKeys,
  } as typeof sig.SignatureAlgorithms;
  const digests = new Set([shape.digestMethod, shape.signedProperties?.digestMethod]);
  sig.HashAlgorithms = Object.fromEntries(
    [...DIGEST_METHODS.keys()]
      .filter((uri) => digests.has(uri))
      .map((uri) => [uri, builtIn.hash[uri]!]),
  );
  sig.CanonicalizationAlgorithms = Object.fromEntries(
    [EXC_C14N, C14N_10, ENVELOPED].map((uri) => [uri, builtIn.c14n[uri]!]),
  );
  try {
    // xml-crypto types its nodes with the DOM lib's Node; ours are @xmldom/xmldom's.
    sig.loadSignature(shape.element as unknown as Parameters<typeof sig.loadSignature>[0]);
    if (!sig.checkSignature(text)) {
      const failed = sig.getReferences().find((r) => r.validationError !== undefined);
      return {
        ok: false,
        code: "SIGNATURE_REFERENCE_INVALID",
        message:
          failed?.uri?.startsWith("#") === true
            ? `the digest of the XAdES SignedProperties (${failed.uri}) does not match DigestValue: the signing time or signing certificate changed after it was signed`
            : "the digest of the signed content does not match DigestValue: the document changed after it was signed",
      };
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (matched < 0 && /signature value .* is incorrect/.test(message)) {
      return {
        ok: false,
        code: "SIGNATURE_VALUE_INVALID",
        message: "SignatureValue does not verify with the key of any certificate in KeyInfo",
      };
    }
    return {
      ok: false,
      code: "SIGNATURE_MALFORMED",
      message: `the signature cannot be processed: ${message}`,
    };
  }
  const signedXml = sig.getSignedReferences()[shape.documentReference];
  if (signedXml === undefined || matched < 0) {
    return { ok: false, code: "SIGNATURE_MALFORMED", message: "the signature covers no content" };
  }
  return { ok: true, signedXml, signerIndex: matched };
}
