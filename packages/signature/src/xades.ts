import { createHash, randomBytes } from "node:crypto";
import { DOMImplementation, type Document, type Element, XMLSerializer } from "@xmldom/xmldom";
import { DIGEST_HASHES, DIGEST_METHODS, DSIG_NS, SHA256 } from "./algorithms.js";
import { nameString } from "./certs.js";
import { allElements, childElements, pathOf } from "./dom.js";
import { type Reason, reason } from "./report.js";
import { x509 } from "./x509.js";

/** XAdES 1.3.2 (ETSI TS 101 903 / EN 319 132-1): QualifyingProperties and its children. */
export const XADES_NS = "http://uri.etsi.org/01903/v1.3.2#";
/** The Type of the ds:Reference that covers xades:SignedProperties. */
export const SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties";

/** The attributes xml-crypto resolves a `#id` URI against (any namespace, by local name). */
const ID_ATTRIBUTES = ["Id", "ID", "id"];

/** What a verified XAdES-BES signature says about itself (VerificationReport.xades). */
export interface XadesInfo {
  /**
   * The signed SigningTime, ISO 8601 UTC, when present. It is the signer's own claim, covered
   * by the signature but not by any third party: it is not a trusted timestamp.
   */
  readonly signingTime?: string;
  /** SigningCertificate(V2) names the certificate whose key verified the SignatureValue. */
  readonly signingCertificateMatches: boolean;
}

function isXades(el: Element | undefined, localName: string): el is Element {
  return el !== undefined && el.localName === localName && el.namespaceURI === XADES_NS;
}

function carriesId(el: Element, id: string): boolean {
  for (let i = 0; i < el.attributes.length; i++) {
    const attr = el.attributes.item(i);
    if (attr && attr.value === id && ID_ATTRIBUTES.includes(attr.localName ?? attr.name)) {
      return true;
    }
  }
  return false;
}

/**
 * The SignedProperties the XAdES reference points at, which must be exactly
 * Signature/Object/QualifyingProperties/SignedProperties of *this* Signature and the only
 * element in the document carrying that id: a second element with the same id, or the id on
 * anything else, is how a wrapping attack would substitute properties.
 */
export function locateSignedProperties(
  doc: Document,
  signature: Element,
  id: string,
): { ok: true; element: Element } | { ok: false; reason: Reason } {
  const invalid = (m: string) => ({
    ok: false as const,
    reason: reason("SIGNATURE_REFERENCE_INVALID", m),
  });
  // Every id attribute counts, as xml-crypto counted them (an element with Id="a" and id="b"
  // carries both): the Reference is digested on the element found here, not by a lookup.
  const holders = allElements(doc).filter((e) => carriesId(e, id));
  const [only] = holders;
  if (only === undefined) {
    return invalid(`the SignedProperties Reference points at #${id}, which no element carries`);
  }
  if (holders.length > 1) {
    return invalid(
      `${holders.length} elements carry the id ${JSON.stringify(id)} (${holders.map(pathOf).join(", ")}); the XAdES Reference must be unambiguous`,
    );
  }
  const qualifying = only.parentNode as Element | null;
  const object = qualifying?.parentNode as Element | null;
  if (
    !isXades(only, "SignedProperties") ||
    !isXades(qualifying ?? undefined, "QualifyingProperties") ||
    object?.localName !== "Object" ||
    object.namespaceURI !== DSIG_NS ||
    object.parentNode !== signature
  ) {
    return invalid(
      `the XAdES Reference points at ${pathOf(only)}; it must be Signature/Object/QualifyingProperties/SignedProperties (${XADES_NS}) of the same Signature`,
    );
  }
  const target = qualifying?.getAttribute("Target");
  const sigId = signature.getAttribute("Id");
  if (target && sigId && target !== `#${sigId}`) {
    return invalid(
      `QualifyingProperties Target is ${JSON.stringify(target)}, not this Signature (#${sigId})`,
    );
  }
  return { ok: true, element: only };
}

function text(el: Element | undefined): string {
  return (el?.textContent ?? "").trim();
}

function child(parent: Element | undefined, localName: string, ns: string): Element | undefined {
  if (!parent) return undefined;
  return childElements(parent).find((e) => e.localName === localName && e.namespaceURI === ns);
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** xsd:dateTime as an instant; a value without a zone is read as UTC. */
function parseDateTime(value: string): Date | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const fraction = m[3] ? m[3].slice(0, 4).padEnd(4, "0") : "";
  const d = new Date(`${m[1]}T${m[2]}${fraction}${m[4] ?? "Z"}`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export interface XadesCheck {
  readonly info: XadesInfo;
  readonly reasons: Reason[];
  /** The signed SigningTime as an instant (validation time when the policy gives none). */
  readonly signingTime?: Date;
  readonly legacySha1: boolean;
}

/**
 * Reads the (already digest-verified) SignedProperties: SigningTime, and SigningCertificate or
 * SigningCertificateV2, one of whose Cert entries must carry the digest of the signer's
 * certificate (SIGNATURE_XADES_CERT_MISMATCH otherwise; a v1 IssuerSerial must then also name
 * the signer's serial number).
 */
export function checkSignedProperties(
  signedProperties: Element,
  signer: x509.X509Certificate,
  allowSha1: boolean,
): XadesCheck {
  const reasons: Reason[] = [];
  let legacySha1 = false;
  const props = child(signedProperties, "SignedSignatureProperties", XADES_NS);
  const timeEl = child(props, "SigningTime", XADES_NS);
  let signingTime: Date | undefined;
  if (timeEl) {
    signingTime = parseDateTime(text(timeEl));
    if (!signingTime) {
      reasons.push(
        reason(
          "SIGNATURE_MALFORMED",
          `XAdES SigningTime ${JSON.stringify(text(timeEl))} is not an xsd:dateTime`,
        ),
      );
    }
  }
  const certEls = [
    child(props, "SigningCertificateV2", XADES_NS),
    child(props, "SigningCertificate", XADES_NS),
  ].filter((e): e is Element => e !== undefined);
  let matches = false;
  if (certEls.length === 0) {
    reasons.push(
      reason(
        "SIGNATURE_MALFORMED",
        "XAdES SignedSignatureProperties carry neither SigningCertificate nor SigningCertificateV2",
      ),
    );
  }
  const der = Buffer.from(signer.rawData);
  const serial = BigInt(`0x${signer.serialNumber}`);
  const named: string[] = [];
  for (const certs of certEls) {
    for (const cert of childElements(certs).filter((e) => isXades(e, "Cert"))) {
      const digest = child(cert, "CertDigest", XADES_NS);
      const method = child(digest, "DigestMethod", DSIG_NS)?.getAttribute("Algorithm") ?? "";
      const value = text(child(digest, "DigestValue", DSIG_NS)).replace(/\s+/g, "");
      const hash = DIGEST_HASHES[method];
      if (hash === undefined) {
        reasons.push(
          reason(
            "SIGNATURE_ALGORITHM_FORBIDDEN",
            `XAdES CertDigest method ${JSON.stringify(method)} is not accepted`,
          ),
        );
        continue;
      }
      if (DIGEST_METHODS.get(method) === true) {
        legacySha1 = true;
        if (!allowSha1) {
          reasons.push(
            reason(
              "SIGNATURE_ALGORITHM_FORBIDDEN",
              "XAdES CertDigest uses SHA-1, refused unless the policy allows legacy SHA-1",
            ),
          );
          continue;
        }
      }
      named.push(value);
      if (createHash(hash).update(der).digest("base64") !== value) continue;
      // v1: IssuerSerial, when present, must name the same serial (the digest already binds).
      const issuerSerial = child(cert, "IssuerSerial", XADES_NS);
      const serialText = text(child(issuerSerial, "X509SerialNumber", DSIG_NS));
      if (issuerSerial && (!/^\d+$/.test(serialText) || BigInt(serialText) !== serial)) {
        reasons.push(
          reason(
            "SIGNATURE_XADES_CERT_MISMATCH",
            `XAdES SigningCertificate carries the signer's digest but serial ${JSON.stringify(serialText)}, not ${serial.toString()}`,
          ),
        );
        continue;
      }
      matches = true;
    }
  }
  const explained = reasons.some(
    (r) => r.code === "SIGNATURE_ALGORITHM_FORBIDDEN" || r.code === "SIGNATURE_XADES_CERT_MISMATCH",
  );
  if (!matches && certEls.length > 0 && !explained) {
    reasons.push(
      reason(
        "SIGNATURE_XADES_CERT_MISMATCH",
        `XAdES SigningCertificate names ${named.length === 0 ? "no certificate" : `certificate digest(s) ${named.join(", ")}`}, not the signer's certificate ${nameString(signer.subjectName)} (serial ${signer.serialNumber})`,
      ),
    );
  }
  return {
    info: {
      ...(signingTime ? { signingTime: signingTime.toISOString() } : {}),
      signingCertificateMatches: matches,
    },
    reasons,
    ...(signingTime ? { signingTime } : {}),
    legacySha1,
  };
}

/** Options of `signEdxml(..., { xades })`. */
export interface XadesOptions {
  /** Default now. */
  readonly signingTime?: Date;
  /** SigningCertificateV2 (default, EN 319 132-1) or the v1 SigningCertificate with IssuerSerial. */
  readonly signingCertificate?: "v2" | "v1";
  /**
   * The certificate SigningCertificate names; default the signer's own. Only tests and interop
   * fixtures want another (to exercise SIGNATURE_XADES_CERT_MISMATCH).
   */
  readonly certificatePem?: string;
}

export interface XadesObject {
  /** The Id the Signature element must carry (QualifyingProperties Target points at it). */
  readonly signatureId: string;
  /** The Id of SignedProperties, for the `#id` Reference. */
  readonly signedPropertiesId: string;
  /** Serialized QualifyingProperties, the content of one ds:Object. */
  readonly xml: string;
}

function xmlDateTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Builds xades:QualifyingProperties/SignedProperties (SigningTime, SigningCertificate[V2] with
 * a SHA-256 CertDigest) with @xmldom/xmldom; the caller puts it in a ds:Object and lets
 * xml-crypto add the Reference to `#signedPropertiesId`.
 */
export function buildXadesObject(signerPem: string, opts: XadesOptions = {}): XadesObject {
  const suffix = randomBytes(8).toString("hex");
  const signatureId = `sig-${suffix}`;
  const signedPropertiesId = `xades-sp-${suffix}`;
  const cert = new x509.X509Certificate(opts.certificatePem ?? signerPem);
  const v1 = opts.signingCertificate === "v1";

  const doc = new DOMImplementation().createDocument(XADES_NS, "xades:QualifyingProperties", null);
  const qualifying = doc.documentElement!;
  qualifying.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:ds", DSIG_NS);
  qualifying.setAttribute("Target", `#${signatureId}`);
  const x = (name: string, parent: Element, value?: string): Element => {
    const el = doc.createElementNS(XADES_NS, `xades:${name}`);
    if (value !== undefined) el.appendChild(doc.createTextNode(value));
    parent.appendChild(el);
    return el;
  };
  const ds = (name: string, parent: Element, value?: string): Element => {
    const el = doc.createElementNS(DSIG_NS, `ds:${name}`);
    if (value !== undefined) el.appendChild(doc.createTextNode(value));
    parent.appendChild(el);
    return el;
  };
  const signedProperties = x("SignedProperties", qualifying);
  signedProperties.setAttribute("Id", signedPropertiesId);
  const props = x("SignedSignatureProperties", signedProperties);
  x("SigningTime", props, xmlDateTime(opts.signingTime ?? new Date()));
  const signing = x(v1 ? "SigningCertificate" : "SigningCertificateV2", props);
  const certEl = x("Cert", signing);
  const digest = x("CertDigest", certEl);
  ds("DigestMethod", digest).setAttribute("Algorithm", SHA256);
  ds(
    "DigestValue",
    digest,
    createHash("sha256").update(Buffer.from(cert.rawData)).digest("base64"),
  );
  if (v1) {
    const issuerSerial = x("IssuerSerial", certEl);
    ds("X509IssuerName", issuerSerial, nameString(cert.issuerName));
    ds("X509SerialNumber", issuerSerial, BigInt(`0x${cert.serialNumber}`).toString());
  }
  return {
    signatureId,
    signedPropertiesId,
    xml: new XMLSerializer().serializeToString(qualifying),
  };
}
