import { type KeyObject, timingSafeEqual } from "node:crypto";
import { type HashAlgorithm, type Reference, SignedXml } from "xml-crypto";
import {
  C14N_10,
  DIGEST_METHODS,
  ENVELOPED,
  EXC_C14N,
  SIGNATURE_METHODS,
  verifyWith,
} from "./algorithms.js";
import type { CryptoOutcome } from "./check.js";
import {
  coversAll,
  type DetachedAudit,
  type DetachedTexts,
  detachedHashAlgorithms,
} from "./detached.js";
import { tolerantOfStrayPrefixes } from "./stray-xlink.js";
import type { SignatureShape } from "./structure.js";

/**
 * The library's full verification, as the verifier ran it before check.ts: kept as the reference
 * the parse-once check is compared with (differential tests, bench/letter-cost.bench.ts), not
 * used on any path that judges a packet. xml-crypto parses `text` again with its own xmldom,
 * clones the document to apply the enveloped transform, and finds nodes by XPath.
 *
 * Runs xml-crypto's core validation (reference digest, then SignatureValue over the canonical
 * SignedInfo) with only the algorithms the shape check admitted registered, and with the
 * SignatureValue checked against the KeyInfo candidate keys by this package, never against a
 * key xml-crypto would pick itself. Which candidate verified is reported, so the caller can
 * validate exactly that certificate's path. With `detached`, `text` is a skeleton whose long
 * base64 texts were cut out: the document reference's digest is computed with them hashed in
 * place, and each must be covered by that reference, once and in order, and by no other.
 */
export function checkWithLibrary(
  text: string,
  shape: SignatureShape,
  candidates: readonly KeyObject[],
  detached?: DetachedTexts,
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
  const admitted = [...DIGEST_METHODS.keys()].filter((uri) => digests.has(uri));
  const audit: DetachedAudit = {};
  sig.HashAlgorithms = detached
    ? detachedHashAlgorithms(builtIn.hash, admitted, detached, audit)
    : Object.fromEntries(admitted.map((uri) => [uri, builtIn.hash[uri]!]));
  sig.CanonicalizationAlgorithms = tolerantOfStrayPrefixes(
    Object.fromEntries([EXC_C14N, C14N_10, ENVELOPED].map((uri) => [uri, builtIn.c14n[uri]!])),
    text,
  );
  resolveDocumentReferenceDirectly(sig);
  try {
    // xml-crypto types its nodes with the DOM lib's Node; ours are @xmldom/xmldom's.
    sig.loadSignature(shape.element as unknown as Parameters<typeof sig.loadSignature>[0]);
    const valid = sig.checkSignature(text);
    if (audit.refused) return notCovered(audit.refused);
    if (!valid) {
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
  const signed = sig.getSignedReferences();
  const signedXml = signed[shape.documentReference];
  if (signedXml === undefined || matched < 0) {
    return { ok: false, code: "SIGNATURE_MALFORMED", message: "the signature covers no content" };
  }
  if (detached) {
    if (!coversAll(signedXml, detached)) {
      return notCovered("the signed content does not cover every long base64 text once");
    }
    if (signed.some((xml, i) => i !== shape.documentReference && xml.includes(detached.prefix))) {
      return notCovered("a long base64 text sits inside the XAdES SignedProperties");
    }
  }
  return { ok: true, signedXml, signerIndex: matched };
}

function notCovered(why: string): CryptoOutcome {
  return {
    ok: false,
    code: "DETACHED_TEXT_NOT_COVERED",
    message: `${why}: only texts the whole-document reference signs are accepted`,
  };
}

/** The members of xml-crypto 6.3 (pinned) that resolve and digest one Reference. */
interface ReferenceInternals {
  validateReference(ref: Reference, doc: unknown): string | undefined;
  getCanonReferenceXml(doc: unknown, ref: Reference, node: unknown): string;
  findHashAlgorithm(name: string): HashAlgorithm;
}

/**
 * xml-crypto resolves `URI=""` with the XPath `//*`, and the xpath package sorts that node-set
 * into document order by scanning sibling lists: quadratic in the number of elements (a signed
 * 400 KB packet of 90 000 sibling elements took 74 s and blocked the event loop). The first
 * element in document order is the document element, so it is taken directly; everything else
 * (canonicalization, enveloped transform, digest, the XAdES `#id` Reference) stays xml-crypto's.
 * Should an xml-crypto upgrade rename these members, the original (slow but correct) path runs.
 */
function resolveDocumentReferenceDirectly(sig: SignedXml): void {
  const internals = sig as unknown as ReferenceInternals;
  const { validateReference, getCanonReferenceXml, findHashAlgorithm } = internals;
  if (
    typeof validateReference !== "function" ||
    typeof getCanonReferenceXml !== "function" ||
    typeof findHashAlgorithm !== "function"
  ) {
    return;
  }
  internals.validateReference = (ref, doc) => {
    const root = (doc as { documentElement?: unknown }).documentElement;
    if (ref.uri !== "" || !root) return validateReference.call(sig, ref, doc);
    const canonXml = getCanonReferenceXml.call(sig, doc, ref, root);
    const digest = findHashAlgorithm.call(sig, ref.digestAlgorithm).getHash(canonXml);
    const expected = Buffer.from(String(ref.digestValue ?? ""), "base64");
    const actual = Buffer.from(digest, "base64");
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      ref.validationError = new Error(
        `invalid signature: for uri "" calculated digest is ${digest} but the xml to validate supplies digest ${String(ref.digestValue)}`,
      );
      return undefined;
    }
    return canonXml;
  };
}
