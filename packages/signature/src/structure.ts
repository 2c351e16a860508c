import type { Document, Element } from "@xmldom/xmldom";
import {
  C14N_10,
  DIGEST_METHODS,
  DSIG_NS,
  ENVELOPED,
  EXC_C14N,
  SIGNATURE_METHODS,
  SIGNED_INFO_C14N,
} from "./algorithms.js";
import { allElements, childElements, firstComment, isElement, onlyChild, pathOf } from "./dom.js";
import { type Reason, reason } from "./report.js";
import { SIGNED_PROPERTIES_TYPE, XADES_NS } from "./xades.js";

/** Where the one accepted Signature must sit. */
export type Placement = "edxml-header" | "document-element";

/** What one Reference asks to be digested, read from the checked SignedInfo. */
export interface ReferenceDigest {
  /** The canonicalization applied last (exclusive C14N or C14N 1.0). */
  readonly c14n: string;
  /** exc-C14N's InclusiveNamespaces PrefixList on that transform, as xml-crypto reads it. */
  readonly inclusivePrefixes: readonly string[];
  readonly digestMethod: string;
  /** base64, whitespace removed. */
  readonly digestValue: string;
}

/** A Signature element that passed every structural rule, with what it declares. */
export interface SignatureShape {
  readonly element: Element;
  readonly signedInfo: Element;
  /** base64, whitespace removed. */
  readonly signatureValue: string;
  /** The document Reference (URI=""): enveloped-signature, then `c14n`. */
  readonly document: ReferenceDigest;
  readonly canonicalization: string;
  readonly signatureMethod: string;
  /** DigestMethod of the document Reference (URI=""). */
  readonly digestMethod: string;
  /** Position of the document Reference among SignedInfo's References. */
  readonly documentReference: number;
  /** The XAdES-BES Reference to SignedProperties, when the signature has one. */
  readonly signedProperties?: {
    /** The referenced Id (URI without "#"). */
    readonly id: string;
    readonly digestMethod: string;
    readonly index: number;
    readonly digest: ReferenceDigest;
  };
  /** base64 DER of each KeyInfo/X509Data/X509Certificate, in document order. */
  readonly certificates: readonly string[];
}

interface Declared {
  readonly legacySha1: boolean;
  /** The SignatureMethod URI once read, for the report even when refused. */
  readonly signatureMethod?: string;
}

export type ShapeResult =
  | ({ readonly ok: true; readonly shape: SignatureShape } & Declared)
  | ({ readonly ok: false; readonly reason: Reason } & Declared);

function isDsig(el: Element, localName: string): boolean {
  return el.localName === localName && el.namespaceURI === DSIG_NS;
}

/** edXML/edXMLEnvelope/edXMLHeader by local name, as @edoc/edxml reads packets. */
function edxmlHeader(doc: Document): Element | undefined {
  const root = doc.documentElement;
  if (root?.localName !== "edXML") return undefined;
  const envelope = onlyChild(root, "edXMLEnvelope");
  return envelope ? onlyChild(envelope, "edXMLHeader") : undefined;
}

/**
 * Finds the one Signature the document may carry. Any XML-DSig Signature anywhere counts, and
 * so does an edXMLHeader child named Signature in another namespace (the SDK's placeholder), so
 * a second signature can never hide next to the checked one.
 */
export function locateSignature(
  doc: Document,
  placement: Placement,
): { ok: true; element: Element } | { ok: false; reason: Reason } {
  const dsig = allElements(doc).filter((e) => isDsig(e, "Signature"));
  const header = placement === "edxml-header" ? edxmlHeader(doc) : undefined;
  const placeholders = header
    ? childElements(header).filter((e) => e.localName === "Signature" && e.namespaceURI !== DSIG_NS)
    : [];
  const found = [...dsig, ...placeholders];
  const [only] = found;
  if (only === undefined) {
    return {
      ok: false,
      reason: reason("SIGNATURE_MISSING", "the document carries no XML-DSig Signature"),
    };
  }
  if (found.length > 1) {
    return {
      ok: false,
      reason: reason(
        "SIGNATURE_MULTIPLE",
        `the document carries ${found.length} Signature elements (${found.map(pathOf).join(", ")}); exactly one is accepted`,
      ),
    };
  }
  if (only.namespaceURI !== DSIG_NS) {
    return {
      ok: false,
      reason: reason(
        "SIGNATURE_MALFORMED",
        `${pathOf(only)} is not in the XML-DSig namespace ${DSIG_NS} (an unsigned placeholder, as in the VPCP SDK samples)`,
      ),
    };
  }
  const parent = only.parentNode;
  const expected = placement === "edxml-header" ? header : doc.documentElement;
  if (expected === undefined || parent !== expected) {
    const where =
      placement === "edxml-header" ? "edXML/edXMLEnvelope/edXMLHeader" : "the document element";
    return {
      ok: false,
      reason: reason(
        "SIGNATURE_MALFORMED",
        `the Signature is at ${pathOf(only)}; it must be a child of ${where}`,
      ),
    };
  }
  return { ok: true, element: only };
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** What the VPCP SDK samples write as their second transform. */
const SDK_EXC_C14N_TYPO = "http://www.w3.org/TR/xml-exc-c14n#";

function text(el: Element): string {
  return (el.textContent ?? "").replace(/\s+/g, "");
}

/**
 * Checks a Signature against the only shape the hub accepts: SignedInfo with an accepted
 * canonicalization and SignatureMethod, exactly one Reference URI="" whose transforms are exactly
 * enveloped-signature + a canonicalization (plus, for XAdES-BES, at most one Reference typed
 * SignedProperties to "#<Id>"), then SignatureValue, optional KeyInfo and Objects.
 * Anything else could make the signature cover something other than the whole document.
 */
export function checkShape(element: Element, allowSha1: boolean): ShapeResult {
  let legacySha1 = false;
  let declared: string | undefined;
  const bad = (r: Reason): ShapeResult => ({
    ok: false,
    reason: r,
    legacySha1,
    ...(declared !== undefined ? { signatureMethod: declared } : {}),
  });
  const malformed = (m: string) => bad(reason("SIGNATURE_MALFORMED", m));
  const forbidden = (m: string) => bad(reason("SIGNATURE_ALGORITHM_FORBIDDEN", m));
  const refInvalid = (m: string) => bad(reason("SIGNATURE_REFERENCE_INVALID", m));

  const kids = childElements(element);
  const [signedInfo, signatureValue, ...rest] = kids;
  if (!signedInfo || !isDsig(signedInfo, "SignedInfo"))
    return malformed("Signature must start with SignedInfo");
  if (!signatureValue || !isDsig(signatureValue, "SignatureValue")) {
    return malformed("SignedInfo must be followed by SignatureValue");
  }
  const keyInfo = rest[0] && isDsig(rest[0], "KeyInfo") ? rest[0] : undefined;
  const objects = keyInfo ? rest.slice(1) : rest;
  const stray = objects.find((e) => !isDsig(e, "Object"));
  if (stray) return malformed(`unexpected <${stray.nodeName}> in Signature`);

  const [c14n, method, ...references] = childElements(signedInfo);
  if (!c14n || !isDsig(c14n, "CanonicalizationMethod")) {
    return malformed("SignedInfo must start with CanonicalizationMethod");
  }
  if (!method || !isDsig(method, "SignatureMethod")) {
    return malformed("CanonicalizationMethod must be followed by SignatureMethod");
  }
  const canonicalization = c14n.getAttribute("Algorithm") ?? "";
  const signatureMethod = method.getAttribute("Algorithm") ?? "";
  declared = signatureMethod;
  if (/hmac/i.test(signatureMethod)) {
    return forbidden(`SignatureMethod ${signatureMethod} is a shared-secret MAC, not a signature`);
  }
  const sigAlg = SIGNATURE_METHODS.get(signatureMethod);
  if (!sigAlg)
    return forbidden(`SignatureMethod ${JSON.stringify(signatureMethod)} is not accepted`);
  if (sigAlg.legacy) legacySha1 = true;
  if (childElements(method).length > 0) return malformed("SignatureMethod must have no parameters");
  if (!SIGNED_INFO_C14N.has(canonicalization)) {
    return forbidden(`CanonicalizationMethod ${JSON.stringify(canonicalization)} is not accepted`);
  }
  if (references.some((r) => !isDsig(r, "Reference"))) {
    return malformed(
      "SignedInfo may contain only CanonicalizationMethod, SignatureMethod and Reference",
    );
  }
  // One Reference covers the whole document; XAdES-BES adds exactly one more, typed, to the
  // SignedProperties inside this Signature (located and checked by the verifier).
  const xadesRefs = references.filter((r) => r.getAttribute("Type") === SIGNED_PROPERTIES_TYPE);
  const documentRefs = references.filter((r) => r.getAttribute("Type") !== SIGNED_PROPERTIES_TYPE);
  const [reference] = documentRefs;
  if (!reference || documentRefs.length !== 1 || xadesRefs.length > 1) {
    return refInvalid(
      `SignedInfo has ${references.length} References (${xadesRefs.length} typed XAdES SignedProperties); exactly one URI="" is accepted, plus at most one XAdES SignedProperties Reference`,
    );
  }
  if (!reference.hasAttribute("URI") || reference.getAttribute("URI") !== "") {
    const uri = reference.getAttribute("URI");
    return refInvalid(
      `Reference URI is ${uri === null ? "absent" : JSON.stringify(uri)}; only URI="" (the whole document) is accepted`,
    );
  }
  const [transforms, digest, digestValue, ...more] = childElements(reference);
  if (!transforms || !isDsig(transforms, "Transforms")) {
    return refInvalid(
      "Reference must declare Transforms (enveloped-signature, then a canonicalization)",
    );
  }
  if (
    !digest ||
    !isDsig(digest, "DigestMethod") ||
    !digestValue ||
    !isDsig(digestValue, "DigestValue")
  ) {
    return malformed("Reference must contain Transforms, DigestMethod and DigestValue");
  }
  if (more.length > 0) return malformed("Reference has unexpected children");
  const digestMethod = digest.getAttribute("Algorithm") ?? "";
  const digestLegacy = DIGEST_METHODS.get(digestMethod);
  if (digestLegacy === undefined)
    return forbidden(`DigestMethod ${JSON.stringify(digestMethod)} is not accepted`);
  if (digestLegacy) legacySha1 = true;

  let signedProperties: SignatureShape["signedProperties"];
  const [xadesRef] = xadesRefs;
  if (xadesRef) {
    const checked = checkXadesReference(xadesRef);
    if (typeof checked === "string") return refInvalid(checked);
    if ("malformed" in checked) return malformed(checked.malformed);
    const legacy = DIGEST_METHODS.get(checked.digestMethod);
    if (legacy === undefined) {
      return forbidden(
        `the XAdES Reference DigestMethod ${JSON.stringify(checked.digestMethod)} is not accepted`,
      );
    }
    if (legacy) legacySha1 = true;
    signedProperties = { ...checked, index: references.indexOf(xadesRef) };
  }
  if (legacySha1 && !allowSha1) {
    return forbidden(
      "SHA-1 (the VPCP SDK's rsa-sha1) is refused unless the policy allows legacy SHA-1",
    );
  }
  const steps = childElements(transforms);
  const algorithms = steps.map((t) =>
    isDsig(t, "Transform") ? (t.getAttribute("Algorithm") ?? "") : "?",
  );
  const [first, second] = algorithms;
  if (
    algorithms.length !== 2 ||
    first !== ENVELOPED ||
    (second !== EXC_C14N && second !== C14N_10) ||
    // Only exclusive C14N's InclusiveNamespaces may parameterize a transform.
    steps.some((t, i) =>
      childElements(t).some(
        (p) => i !== 1 || second !== EXC_C14N || p.localName !== "InclusiveNamespaces",
      ),
    )
  ) {
    const sdk =
      second === SDK_EXC_C14N_TYPO
        ? ` (${SDK_EXC_C14N_TYPO} is the address of the specification, as the VPCP SDK's template writes it, not an algorithm identifier)`
        : "";
    return refInvalid(
      `Reference transforms are [${algorithms.join(", ")}]; only enveloped-signature followed by exclusive C14N (or C14N 1.0) is accepted${sdk}`,
    );
  }
  if (!B64.test(text(digestValue))) return malformed("DigestValue is not base64");
  if (!B64.test(text(signatureValue))) return malformed("SignatureValue is empty or not base64");

  const certificates = keyInfo
    ? childElements(keyInfo)
        .filter((e) => isDsig(e, "X509Data"))
        .flatMap((d) => childElements(d).filter((e) => isDsig(e, "X509Certificate")))
        .map(text)
    : [];
  return {
    ok: true,
    legacySha1,
    signatureMethod,
    shape: {
      element,
      signedInfo,
      signatureValue: text(signatureValue),
      document: {
        c14n: second,
        inclusivePrefixes: prefixList(steps),
        digestMethod,
        digestValue: text(digestValue),
      },
      canonicalization,
      signatureMethod,
      digestMethod,
      documentReference: references.indexOf(reference),
      ...(signedProperties ? { signedProperties } : {}),
      certificates,
    },
  };
}

/**
 * The PrefixList of the InclusiveNamespaces under the last transform, split on spaces, as
 * xml-crypto reads it (the shape check admits it on exclusive C14N only).
 */
function prefixList(steps: readonly Element[]): string[] {
  const last = steps[steps.length - 1];
  if (!last) return [];
  return childElements(last)
    .filter((e) => e.localName === "InclusiveNamespaces")
    .flatMap((e) => (e.getAttribute("PrefixList") ?? "").split(" "))
    .filter((p) => p.length > 0);
}

/** An XML NCName-ish fragment: no quotes or spaces (xml-crypto builds an XPath from it). */
const FRAGMENT = /^#([A-Za-z_][A-Za-z0-9_.-]*)$/;

/**
 * The XAdES Reference: URI="#<Id>", no Transforms or exactly one canonicalization (exclusive
 * C14N, optionally with InclusiveNamespaces, or C14N 1.0), DigestMethod, DigestValue. Returns a
 * SIGNATURE_REFERENCE_INVALID message, a malformation, or what it declares.
 */
function checkXadesReference(
  ref: Element,
): string | { malformed: string } | { id: string; digestMethod: string; digest: ReferenceDigest } {
  const uri = ref.getAttribute("URI");
  const id = uri === null ? undefined : FRAGMENT.exec(uri)?.[1];
  if (id === undefined) {
    return `the XAdES SignedProperties Reference URI is ${uri === null ? "absent" : JSON.stringify(uri)}; it must be "#<Id of SignedProperties>"`;
  }
  const kids = childElements(ref);
  const transforms = kids[0] && isDsig(kids[0], "Transforms") ? kids[0] : undefined;
  const [digest, digestValue, ...more] = transforms ? kids.slice(1) : kids;
  if (
    !digest ||
    !isDsig(digest, "DigestMethod") ||
    !digestValue ||
    !isDsig(digestValue, "DigestValue") ||
    more.length > 0
  ) {
    return {
      malformed: "the XAdES Reference must contain [Transforms], DigestMethod and DigestValue",
    };
  }
  if (transforms) {
    const steps = childElements(transforms);
    const algorithms = steps.map((t) =>
      isDsig(t, "Transform") ? (t.getAttribute("Algorithm") ?? "") : "?",
    );
    const [only] = algorithms;
    if (
      algorithms.length !== 1 ||
      (only !== EXC_C14N && only !== C14N_10) ||
      steps.some((t) =>
        childElements(t).some((p) => only !== EXC_C14N || p.localName !== "InclusiveNamespaces"),
      )
    ) {
      return `the XAdES Reference transforms are [${algorithms.join(", ")}]; only one canonicalization (exclusive C14N or C14N 1.0) is accepted`;
    }
  }
  if (!B64.test(text(digestValue))) return { malformed: "the XAdES DigestValue is not base64" };
  const digestMethod = digest.getAttribute("Algorithm") ?? "";
  const c14n = transforms
    ? (childElements(transforms)[0]?.getAttribute("Algorithm") ?? "")
    : C14N_10;
  return {
    id,
    digestMethod,
    digest: {
      c14n,
      inclusivePrefixes: transforms ? prefixList(childElements(transforms)) : [],
      digestMethod,
      digestValue: text(digestValue),
    },
  };
}

/** XML-DSig 1.0 element names (xmldsig-core, section 4 and 6), the only ones accepted in its namespace. */
const DSIG_ELEMENTS: ReadonlySet<string> = new Set(
  (
    "SignedInfo CanonicalizationMethod SignatureMethod HMACOutputLength Reference Transforms " +
    "Transform XPath DigestMethod DigestValue SignatureValue KeyInfo KeyName KeyValue " +
    "DSAKeyValue P Q G Y J Seed PgenCounter RSAKeyValue Modulus Exponent RetrievalMethod " +
    "X509Data X509IssuerSerial X509IssuerName X509SerialNumber X509SKI X509SubjectName " +
    "X509Certificate X509CRL PGPData PGPKeyID PGPKeyPacket SPKIData SPKISexp MgmtData Object " +
    "Manifest SignatureProperties SignatureProperty"
  ).split(" "),
);

/** Other namespaces whose elements may sit inside a Signature under `strictSignatureContent`. */
const SIGNATURE_CONTENT_NAMESPACES: ReadonlySet<string> = new Set([
  "http://www.w3.org/2009/xmldsig11#",
  EXC_C14N, // InclusiveNamespaces
  XADES_NS,
  "http://uri.etsi.org/01903/v1.4.1#",
]);

/**
 * An element inside the Signature that is not XML-DSig (by namespace and name) or XAdES:
 * unsigned content, such as an Object or KeyInfo carrying a second MessageHeader or From, that a
 * careless receiver could read as the packet's own.
 */
export function foreignSignatureContent(signature: Element): Reason | undefined {
  const stack = [...childElements(signature)];
  while (stack.length > 0) {
    const el = stack.pop()!;
    const ns = el.namespaceURI ?? "";
    const known =
      ns === DSIG_NS ? DSIG_ELEMENTS.has(el.localName ?? "") : SIGNATURE_CONTENT_NAMESPACES.has(ns);
    if (!known) {
      return reason(
        "SIGNATURE_MALFORMED",
        `unsigned content inside the Signature: <${el.nodeName}> at ${pathOf(el)} (namespace ${JSON.stringify(ns)}); only XML-DSig and XAdES elements are accepted there`,
      );
    }
    stack.push(...childElements(el));
  }
  return undefined;
}

/**
 * A comment anywhere in the document. Exclusive C14N without comments (the only method
 * admitted) drops comments, so no signature covers them; the hub forwards the bytes as
 * received, so a comment would reach receivers as if it were part of the signed letter.
 * Refused under `strictSignatureContent` on every path (the skeleton of a large packet keeps
 * its comments), with the same code as unsigned content inside the Signature.
 */
export function unsignedComment(doc: Document): Reason | undefined {
  const comment = firstComment(doc);
  if (!comment) return undefined;
  const parent = comment.parentNode;
  const where = isElement(parent) ? `inside ${pathOf(parent)}` : "outside the document element";
  return reason(
    "SIGNATURE_MALFORMED",
    `unsigned content: a comment ${where}; comments are not covered by the signature. Remove them (they are not signed, so removing them keeps the signature valid)`,
  );
}
