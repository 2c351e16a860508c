import { createHash, type KeyObject, timingSafeEqual } from "node:crypto";
import type { Element, Node } from "@xmldom/xmldom";
import {
  C14nCanonicalization,
  type CanonicalizationOrTransformationAlgorithmProcessOptions,
  ExclusiveCanonicalization,
  SignedXml,
} from "xml-crypto";
import { DIGEST_HASHES, EXC_C14N, SIGNATURE_METHODS, verifyWith } from "./algorithms.js";
import { coversAll, type DetachedTexts, digestWithRuns } from "./detached.js";
import { isElement } from "./dom.js";
import type { ReferenceDigest, SignatureShape } from "./structure.js";

export type CryptoOutcome =
  | { readonly ok: true; readonly signedXml: string; readonly signerIndex: number }
  | {
      readonly ok: false;
      readonly code:
        | "SIGNATURE_REFERENCE_INVALID"
        | "SIGNATURE_VALUE_INVALID"
        | "SIGNATURE_MALFORMED"
        | "DETACHED_TEXT_NOT_COVERED";
      readonly message: string;
    };

type Options = CanonicalizationOrTransformationAlgorithmProcessOptions;
type DomNode = Parameters<C14nCanonicalization["process"]>[0];

/**
 * Exclusive C14N of the document without one subtree: the enveloped-signature transform
 * applied while rendering instead of on a clone (xml-crypto clones the whole document to
 * remove the Signature from the copy). Everything else is xml-crypto's own canonicalizer.
 */
class ExclusiveWithout extends ExclusiveCanonicalization {
  constructor(private readonly skipped: unknown) {
    super();
  }
  override processInner(
    node: unknown,
    prefixesInScope: unknown,
    defaultNs: unknown,
    defaultNsForPrefix: unknown,
    inclusive: string[],
  ): string {
    if (node === this.skipped) return "";
    return super.processInner(node, prefixesInScope, defaultNs, defaultNsForPrefix, inclusive);
  }
}

/** The same for C14N 1.0. */
class InclusiveWithout extends C14nCanonicalization {
  constructor(private readonly skipped: unknown) {
    super();
  }
  override processInner(
    node: unknown,
    prefixesInScope: unknown,
    defaultNs: unknown,
    defaultNsForPrefix: unknown,
    ancestorNamespaces: unknown,
    namespacesInScope?: Parameters<C14nCanonicalization["processInner"]>[5],
  ): string {
    if (node === this.skipped) return "";
    return super.processInner(
      node,
      prefixesInScope,
      defaultNs,
      defaultNsForPrefix,
      ancestorNamespaces,
      namespacesInScope,
    );
  }
}

interface Namespace {
  prefix: string;
  namespaceURI: string;
}

/**
 * The namespaces an element inherits, as xml-crypto's findAncestorNsForElement computes them
 * (nearest declaration wins; none the element declares itself or uses as its own prefix; no
 * undeclarations), so a subset is canonicalized exactly as xml-crypto would.
 */
function ancestorNamespaces(el: Element): Namespace[] {
  const found: Namespace[] = [];
  for (let p: Node | null = el.parentNode; isElement(p); p = p.parentNode) {
    for (let i = 0; i < p.attributes.length; i++) {
      const a = p.attributes.item(i);
      if (!a || a.nodeName.search(/^xmlns:?/) === -1) continue;
      const prefix = a.nodeName.replace(/^xmlns:?/, "");
      if (!found.some((n) => n.prefix === prefix)) {
        found.push({ prefix, namespaceURI: a.nodeValue || "" });
      }
    }
  }
  const own = new Set<string>([el.prefix || ""]);
  for (let i = 0; i < el.attributes.length; i++) {
    const name = el.attributes.item(i)?.nodeName ?? "";
    if (name === "xmlns" || name.startsWith("xmlns:")) own.add(name.replace(/^xmlns:?/, ""));
  }
  return found.filter((n) => n.namespaceURI !== "" && !own.has(n.prefix));
}

function optionsFor(el: Element, prefixes: readonly string[]): Options {
  return {
    inclusiveNamespacesPrefixList: [...prefixes],
    ancestorNamespaces: ancestorNamespaces(el),
    defaultNsForPrefix: SignedXml.defaultNsForPrefix,
  };
}

/**
 * A subset (SignedInfo, SignedProperties) canonicalized with its inherited namespaces, as
 * xml-crypto does. Exclusive C14N with a PrefixList (given, or read from a CanonicalizationMethod
 * child, as xml-crypto's canonicalizer looks for one) writes the inherited declarations onto the
 * element it is given: that case works on a copy; every other one only reads the element.
 */
function canonicalSubset(el: Element, c14n: string, prefixes: readonly string[]): string {
  const options = optionsFor(el, prefixes);
  if (c14n !== EXC_C14N)
    return new C14nCanonicalization().process(el as unknown as DomNode, options);
  const writes = prefixes.length > 0 || declaresPrefixList(el);
  const node = (writes ? el.cloneNode(true) : el) as unknown as ExclusiveInput;
  return new ExclusiveCanonicalization().process(node, options);
}

type ExclusiveInput = Parameters<ExclusiveCanonicalization["process"]>[0];

/** A CanonicalizationMethod child carrying InclusiveNamespaces (by local names, as xml-crypto). */
function declaresPrefixList(el: Element): boolean {
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (!isElement(c) || c.localName !== "CanonicalizationMethod") continue;
    for (let p = c.firstChild; p; p = p.nextSibling) {
      if (isElement(p) && p.localName === "InclusiveNamespaces") return true;
    }
  }
  return false;
}

/** The document Reference's octets: the whole document, the Signature left out, comments dropped. */
function canonicalDocument(root: Element, signature: Element, ref: ReferenceDigest): string {
  const options = optionsFor(root, ref.inclusivePrefixes);
  const node = root as unknown as ExclusiveInput;
  return ref.c14n === EXC_C14N
    ? new ExclusiveWithout(signature).process(node, options)
    : new InclusiveWithout(signature).process(node, options);
}

function sameDigest(actual: string | Buffer, expected: string): boolean {
  const a = typeof actual === "string" ? Buffer.from(actual, "base64") : actual;
  const b = Buffer.from(expected, "base64");
  return a.length === b.length && timingSafeEqual(a, b);
}

function notCovered(why: string): Failure {
  return {
    ok: false,
    code: "DETACHED_TEXT_NOT_COVERED",
    message: `${why}: only texts the whole-document reference signs are accepted`,
  };
}

const REFERENCE_CHANGED =
  "the digest of the signed content does not match DigestValue: the document changed after it was signed";

type Failure = Extract<CryptoOutcome, { ok: false }>;

/** The document Reference's digest; with `detached`, the runs hashed in place of their tokens. */
function checkDocumentDigest(
  signedXml: string,
  ref: ReferenceDigest,
  detached: DetachedTexts | undefined,
): Failure | undefined {
  const hash = DIGEST_HASHES[ref.digestMethod]!;
  let digest: string | Buffer;
  // A skeleton whose canonical form shows no placeholder is hashed as it is; the coverage
  // check after the SignatureValue then refuses it.
  if (detached && signedXml.includes(detached.prefix)) {
    const out = digestWithRuns(hash, signedXml, detached);
    if ("refused" in out) return notCovered(out.refused);
    digest = out.digest;
  } else {
    digest = createHash(hash).update(signedXml, "utf8").digest();
  }
  if (sameDigest(digest, ref.digestValue)) return undefined;
  return { ok: false, code: "SIGNATURE_REFERENCE_INVALID", message: REFERENCE_CHANGED };
}

/** The XAdES Reference's digest, over the SignedProperties the verifier located. */
function checkSignedPropertiesDigest(
  xades: NonNullable<SignatureShape["signedProperties"]>,
  element: Element | undefined,
  detached: DetachedTexts | undefined,
): Failure | undefined {
  if (!element) {
    return {
      ok: false,
      code: "SIGNATURE_REFERENCE_INVALID",
      message: `the SignedProperties Reference points at #${xades.id}, which is not located`,
    };
  }
  const canon = canonicalSubset(element, xades.digest.c14n, xades.digest.inclusivePrefixes);
  if (detached && canon.includes(detached.prefix)) {
    return notCovered("a long base64 text sits inside the XAdES SignedProperties");
  }
  const digest = createHash(DIGEST_HASHES[xades.digest.digestMethod]!)
    .update(canon, "utf8")
    .digest();
  if (sameDigest(digest, xades.digest.digestValue)) return undefined;
  return {
    ok: false,
    code: "SIGNATURE_REFERENCE_INVALID",
    message: `the digest of the XAdES SignedProperties (#${xades.id}) does not match DigestValue: the signing time or signing certificate changed after it was signed`,
  };
}

/**
 * XML-DSig core validation on the DOM the verifier already parsed and checked (no second parse,
 * no clone of the document, no XPath): each Reference's digest over its canonical octets, in
 * SignedInfo order, then the SignatureValue over the canonical SignedInfo against each KeyInfo
 * candidate key (never a key chosen from the document otherwise). Canonicalization is
 * xml-crypto's own; which nodes it is given is decided here from the checked shape: the
 * document element for URI="" with the Signature left out (enveloped-signature), and the
 * SignedProperties `signedProperties` located for the XAdES Reference.
 * With `detached`, the document is a skeleton: its digest is taken with the runs hashed in
 * place of their placeholders, which must all be covered by that Reference, once, in order,
 * and by no other.
 */
export function checkSignatureValue(
  root: Element,
  shape: SignatureShape,
  signedProperties: Element | undefined,
  candidates: readonly KeyObject[],
  detached?: DetachedTexts,
): CryptoOutcome {
  const method = SIGNATURE_METHODS.get(shape.signatureMethod);
  if (!method || candidates.length === 0) {
    return {
      ok: false,
      code: "SIGNATURE_MALFORMED",
      message: "no signature method or key to verify with",
    };
  }
  let signedXml = "";
  let signedInfo: string;
  try {
    // References in SignedInfo order (XAdES signers may put theirs first), each stopping here.
    const xadesFirst =
      shape.signedProperties !== undefined &&
      shape.signedProperties.index < shape.documentReference;
    for (const which of xadesFirst ? ["xades", "document"] : ["document", "xades"]) {
      if (which === "document") {
        signedXml = canonicalDocument(root, shape.element, shape.document);
        const failed = checkDocumentDigest(signedXml, shape.document, detached);
        if (failed) return failed;
      } else if (shape.signedProperties) {
        const failed = checkSignedPropertiesDigest(
          shape.signedProperties,
          signedProperties,
          detached,
        );
        if (failed) return failed;
      }
    }
    signedInfo = canonicalSubset(shape.signedInfo, shape.canonicalization, []);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      code: "SIGNATURE_MALFORMED",
      message: `the signature cannot be processed: ${message}`,
    };
  }
  const matched = candidates.findIndex((k) =>
    verifyWith(method, signedInfo, k, shape.signatureValue),
  );
  if (matched < 0) {
    return {
      ok: false,
      code: "SIGNATURE_VALUE_INVALID",
      message: "SignatureValue does not verify with the key of any certificate in KeyInfo",
    };
  }
  if (detached && !coversAll(signedXml, detached)) {
    return notCovered("the signed content does not cover every long base64 text once");
  }
  return { ok: true, signedXml, signerIndex: matched };
}
