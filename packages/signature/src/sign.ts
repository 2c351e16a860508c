import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { parseXml } from "@edoc/edxml";
import { type Document, type Element, XMLSerializer } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";
import {
  DSIG_NS,
  ENVELOPED,
  EXC_C14N,
  SHA256,
  SIGNATURE_METHODS,
  SIGNING_ALGORITHM_URIS,
  type SigningAlgorithm,
  signWith,
} from "./algorithms.js";
import { pemBodies } from "./certs.js";
import { allElements, childElements, onlyChild } from "./dom.js";
import { SignatureError } from "./errors.js";
import { tolerantOfStrayPrefixes } from "./stray-xlink.js";
import type { Placement } from "./structure.js";
import { buildXadesObject, SIGNED_PROPERTIES_TYPE, type XadesOptions } from "./xades.js";

export interface SignOptions {
  /** PKCS#8 or traditional PEM. */
  readonly privateKeyPem: string;
  /** The signer's certificate, published in KeyInfo. */
  readonly certificatePem: string;
  /** Issuing CA certificates to publish after it (not the root: verifiers have their own). */
  readonly chainPems?: readonly string[];
  /** Default: rsa-sha256 for RSA keys, ecdsa-sha256 for EC keys. */
  readonly algorithm?: SigningAlgorithm;
  /** Remove an existing Signature (e.g. the VPCP SDK's placeholder) instead of refusing. */
  readonly replaceExisting?: boolean;
  /**
   * XAdES-BES: a ds:Object with xades:QualifyingProperties/SignedProperties (SigningTime,
   * SigningCertificateV2) covered by a second Reference typed SignedProperties.
   */
  readonly xades?: boolean | XadesOptions;
}

const LOCATION: Readonly<Record<Placement, string>> = {
  "edxml-header":
    "/*[local-name(.)='edXML']/*[local-name(.)='edXMLEnvelope']/*[local-name(.)='edXMLHeader']",
  "document-element": "/*",
};

function headerOf(doc: Document): Element | undefined {
  const root = doc.documentElement;
  const envelope = root?.localName === "edXML" ? onlyChild(root, "edXMLEnvelope") : undefined;
  return envelope ? onlyChild(envelope, "edXMLHeader") : undefined;
}

function existingSignatures(doc: Document, header: Element | undefined): Element[] {
  const dsig = allElements(doc).filter(
    (e) => e.localName === "Signature" && e.namespaceURI === DSIG_NS,
  );
  const placeholders = header
    ? childElements(header).filter((e) => e.localName === "Signature" && e.namespaceURI !== DSIG_NS)
    : [];
  return [...dsig, ...placeholders];
}

/** The same key and certificate sign every receipt of a hub: checked and parsed once. */
const checkedKeys = new Map<string, { key: KeyObject; algorithm: SigningAlgorithm }>();

function signingKey(opts: SignOptions): { key: KeyObject; algorithm: SigningAlgorithm } {
  const id = `${opts.algorithm ?? ""}\n${opts.privateKeyPem}\n${opts.certificatePem}`;
  const known = checkedKeys.get(id);
  if (known) return known;
  const checked = checkSigningKey(opts);
  if (checkedKeys.size >= 16) checkedKeys.clear();
  checkedKeys.set(id, checked);
  return checked;
}

function checkSigningKey(opts: SignOptions): { key: KeyObject; algorithm: SigningAlgorithm } {
  let key: KeyObject;
  let cert: X509Certificate;
  try {
    key = createPrivateKey(opts.privateKeyPem);
  } catch {
    throw new SignatureError("KEY_INVALID", "the private key is not a readable PEM private key");
  }
  try {
    cert = new X509Certificate(opts.certificatePem);
  } catch {
    throw new SignatureError("KEY_INVALID", "the certificate is not a readable PEM certificate");
  }
  if (!cert.checkPrivateKey(key)) {
    throw new SignatureError(
      "KEY_CERT_MISMATCH",
      "the private key does not belong to the certificate",
    );
  }
  const type = key.asymmetricKeyType;
  const algorithm = opts.algorithm ?? (type === "ec" ? "ecdsa-sha256" : "rsa-sha256");
  const wanted = SIGNATURE_METHODS.get(SIGNING_ALGORITHM_URIS[algorithm]);
  if (!wanted || wanted.key !== type) {
    throw new SignatureError(
      "ALGORITHM_KEY_MISMATCH",
      `${algorithm} cannot sign with a ${type ?? "unknown"} key`,
    );
  }
  return { key, algorithm };
}

/** KeyInfo's certificates, checked and re-wrapped once per distinct bundle. */
const bundles = new Map<string, string>();

export function certificateBundle(opts: Pick<SignOptions, "certificatePem" | "chainPems">): string {
  const pems = [opts.certificatePem, ...(opts.chainPems ?? [])];
  const id = pems.join("\n");
  const known = bundles.get(id);
  if (known !== undefined) return known;
  const bundle = buildCertificateBundle(pems);
  if (bundles.size >= 16) bundles.clear();
  bundles.set(id, bundle);
  return bundle;
}

/**
 * KeyInfo's X509Data for a bundle, as xml-crypto builds it, built once per bundle and prefix:
 * xml-crypto would parse every certificate again for each signature (a hub signs a receipt per
 * letter).
 */
const keyInfos = new Map<string, string | null>();

export function keyInfoContent(
  publicCert: string,
  prefix: string | null | undefined,
): string | null {
  const id = `${prefix ?? ""}\n${publicCert}`;
  if (keyInfos.has(id)) return keyInfos.get(id) ?? null;
  const content = SignedXml.getKeyInfoContent({ publicCert, prefix });
  if (keyInfos.size >= 16) keyInfos.clear();
  keyInfos.set(id, content);
  return content;
}

function buildCertificateBundle(pems: string[]): string {
  pems.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch {
      throw new SignatureError(
        "KEY_INVALID",
        `chain certificate ${i} is not a readable PEM certificate`,
      );
    }
  });
  // Re-wrap so stray text around the PEM blocks never reaches KeyInfo.
  return pems
    .flatMap((pem) => pemBodies(pem, "CERTIFICATE"))
    .map(
      (der) =>
        `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString("base64")}\n-----END CERTIFICATE-----\n`,
    )
    .join("");
}

/** The text xml-crypto will sign: the input itself, or the DOM re-serialized once a Signature was removed. */
function documentText(
  xml: string,
  doc: Document,
  header: Element | undefined,
  replace: boolean,
): string {
  const existing = existingSignatures(doc, header);
  if (existing.length === 0) return xml.startsWith("\uFEFF") ? xml.slice(1) : xml;
  if (!replace) {
    throw new SignatureError(
      "SIGNATURE_EXISTS",
      `the document already carries ${existing.length === 1 ? "a Signature" : `${existing.length} Signatures`}; pass replaceExisting to re-sign`,
    );
  }
  for (const el of existing) el.parentNode?.removeChild(el);
  // parseXml drops the XML declaration; a raw CR would come back as LF, so it stays a reference.
  const body = new XMLSerializer().serializeToString(doc).replace(/\r/g, "&#xD;");
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

/** Signs SignedInfo's canonical bytes somewhere else (the hub's PKCS#11 signer): raw signature bytes. */
export type RemoteSign = (data: Buffer) => Promise<Buffer>;

/** The key stays outside this process: only the certificate and a way to ask for a signature. */
export interface RemoteSignOptions extends Omit<SignOptions, "privateKeyPem" | "algorithm"> {
  readonly algorithm: SigningAlgorithm;
  readonly sign: RemoteSign;
}

type Compute = (
  sig: SignedXml,
  text: string,
  options: Parameters<SignedXml["computeSignature"]>[1],
) => void;

/** Everything but the signature value: the document, references, KeyInfo and algorithm. */
function prepare(
  xml: string,
  opts: Omit<SignOptions, "privateKeyPem">,
  placement: Placement,
  algorithm: SigningAlgorithm,
  privateKey: KeyObject | Buffer,
  getSignature: (
    signedInfo: string,
    callback?: (err: Error | null, value?: string) => void,
  ) => string,
  compute: Compute,
): void {
  const doc = parseXml(xml);
  const header = placement === "edxml-header" ? headerOf(doc) : undefined;
  if (placement === "edxml-header" && !header) {
    throw new SignatureError(
      "NOT_EDXML",
      "the document has no edXML/edXMLEnvelope/edXMLHeader to carry the Signature",
    );
  }
  const text = documentText(xml, doc, header, opts.replaceExisting === true);
  const uri = SIGNING_ALGORITHM_URIS[algorithm];
  class ChosenSigner {
    getAlgorithmName(): string {
      return uri;
    }
    getSignature(
      signedInfo: string | NodeJS.ArrayBufferView,
      _key: unknown,
      callback?: (err: Error | null, value?: string) => void,
    ): string {
      const data =
        typeof signedInfo === "string"
          ? signedInfo
          : Buffer.from(signedInfo.buffer, signedInfo.byteOffset, signedInfo.byteLength).toString(
              "utf8",
            );
      return getSignature(data, callback);
    }
    verifySignature(): boolean {
      return false;
    }
  }
  const xades = opts.xades
    ? buildXadesObject(opts.certificatePem, opts.xades === true ? {} : opts.xades)
    : undefined;
  const publicCert = certificateBundle(opts);
  const sig = new SignedXml({
    privateKey,
    publicCert,
    getKeyInfoContent: (args) => keyInfoContent(publicCert, args?.prefix),
    signatureAlgorithm: uri,
    canonicalizationAlgorithm: EXC_C14N,
    ...(xades ? { objects: [{ content: xades.xml }] } : {}),
  });
  sig.SignatureAlgorithms = { [uri]: ChosenSigner } as typeof sig.SignatureAlgorithms;
  sig.CanonicalizationAlgorithms = tolerantOfStrayPrefixes(sig.CanonicalizationAlgorithms, text);
  sig.addReference({
    xpath: "/*",
    isEmptyUri: true,
    transforms: [ENVELOPED, EXC_C14N],
    digestAlgorithm: SHA256,
  });
  if (xades) {
    // Found inside the Signature once xml-crypto has placed it (the Object is not in the input).
    sig.addReference({
      xpath: `//*[local-name(.)='SignedProperties' and @Id='${xades.signedPropertiesId}']`,
      transforms: [EXC_C14N],
      digestAlgorithm: SHA256,
      type: SIGNED_PROPERTIES_TYPE,
    });
  }
  compute(sig, text, {
    location: { reference: LOCATION[placement], action: "append" },
    ...(xades ? { attrs: { Id: xades.signatureId } } : {}),
  });
}

function sign(xml: string, opts: SignOptions, placement: Placement): string {
  const { key, algorithm } = signingKey(opts);
  const method = SIGNATURE_METHODS.get(SIGNING_ALGORITHM_URIS[algorithm])!;
  let signed = "";
  prepare(
    xml,
    opts,
    placement,
    algorithm,
    key,
    (data) => signWith(method, data, key),
    (sig, text, options) => {
      sig.computeSignature(text, options);
      signed = sig.getSignedXml();
    },
  );
  return signed;
}

/** The same signature as signXml, with SignedInfo signed by `opts.sign` (async: over the bus). */
export function signXmlRemote(xml: string, opts: RemoteSignOptions): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const getSignature = (data: string, callback?: (err: Error | null, value?: string) => void) => {
      opts.sign(Buffer.from(data, "utf8")).then(
        (value) => callback?.(null, value.toString("base64")),
        (err: Error) => callback?.(err),
      );
      return "";
    };
    try {
      // xml-crypto insists on a private key even when the algorithm signs elsewhere.
      prepare(
        xml,
        opts,
        "document-element",
        opts.algorithm,
        Buffer.alloc(0),
        getSignature,
        (sig, text, options) =>
          sig.computeSignature(text, options, (err, done) =>
            err ? reject(err) : resolve((done ?? sig).getSignedXml()),
          ),
      );
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * Signs an edXML packet: an enveloped XML-DSig over the whole document (Reference URI="",
 * enveloped-signature + exclusive C14N, SHA-256) with KeyInfo/X509Data carrying the signer's
 * certificate and chain, appended as the last child of edXML/edXMLEnvelope/edXMLHeader where
 * QCVN 102:2016 puts it. A document that already has a Signature is refused unless
 * replaceExisting.
 */
export function signEdxml(xml: string, opts: SignOptions): string {
  return sign(xml, opts, "edxml-header");
}

/** The same signature for any other XML (hub receipts): appended to the document element. */
export function signXml(xml: string, opts: SignOptions): string {
  return sign(xml, opts, "document-element");
}
