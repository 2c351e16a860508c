import { createPrivateKey, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { PkiError } from "./errors.js";

export interface Pkcs12Contents {
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** The certificate that belongs to the private key. */
  readonly certificatePem: string;
  /** Every other certificate in the file (issuing CA, root), in file order. */
  readonly chainPems: readonly string[];
}

export interface Pkcs12ExportOptions {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  readonly chainPems?: readonly string[];
  readonly password: string;
  readonly friendlyName?: string;
}

function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der)
    .toString("base64")
    .replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

/**
 * A password-protected PKCS#12 (.p12) with the key (AES-256, PBKDF2) and the certificate chain,
 * readable by OpenSSL, browsers and Windows. node-forge writes PKCS#12 for RSA keys only, so an
 * ECDSA key is refused with PKCS12_UNSUPPORTED_KEY.
 */
export function exportPkcs12(opts: Pkcs12ExportOptions): Buffer {
  let keyObject: ReturnType<typeof createPrivateKey>;
  let cert: X509Certificate;
  try {
    keyObject = createPrivateKey(opts.privateKeyPem);
    cert = new X509Certificate(opts.certificatePem);
  } catch {
    throw new PkiError("KEY_INVALID", "private key or certificate is not readable PEM");
  }
  if (keyObject.asymmetricKeyType !== "rsa") {
    throw new PkiError(
      "PKCS12_UNSUPPORTED_KEY",
      `PKCS#12 export supports RSA keys only, got ${keyObject.asymmetricKeyType ?? "unknown"}`,
    );
  }
  if (!cert.checkPrivateKey(keyObject)) {
    throw new PkiError("KEY_INVALID", "the private key does not belong to the certificate");
  }
  const pkcs1 = keyObject.export({ type: "pkcs1", format: "pem" }).toString();
  let asn1: forge.asn1.Asn1;
  try {
    const chain = [opts.certificatePem, ...(opts.chainPems ?? [])].map((pem) =>
      forge.pki.certificateFromPem(pem),
    );
    asn1 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(pkcs1), chain, opts.password, {
      algorithm: "aes256",
      ...(opts.friendlyName !== undefined ? { friendlyName: opts.friendlyName } : {}),
    });
  } catch (err) {
    throw new PkiError(
      "PKCS12_UNSUPPORTED_KEY",
      `cannot write PKCS#12: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
}

interface Bag {
  key?: forge.pki.PrivateKey | null;
  cert?: forge.pki.Certificate | null;
  asn1?: forge.asn1.Asn1;
}

function keyPem(bag: Bag): string {
  const info = bag.key
    ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))
    : bag.asn1;
  if (!info) throw new PkiError("PKCS12_MALFORMED", "PKCS#12 key bag holds no key");
  const der = Buffer.from(forge.asn1.toDer(info).getBytes(), "binary");
  // Node re-encodes it as PKCS#8, which also covers the EC keys forge cannot model.
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" })
    .export({ type: "pkcs8", format: "pem" })
    .toString();
}

function certPem(bag: Bag): string {
  const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
  if (!asn1) throw new PkiError("PKCS12_MALFORMED", "PKCS#12 certificate bag holds no certificate");
  return derToPem(Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary"), "CERTIFICATE");
}

/** Reads a PKCS#12 file: the private key, its certificate and the rest of the chain. */
export function importPkcs12(der: Uint8Array, password: string): Pkcs12Contents {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(der).toString("binary")));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, password);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/password|MAC could not be verified/i.test(message)) {
      throw new PkiError("PKCS12_BAD_PASSWORD", "PKCS#12 password is wrong (MAC check failed)");
    }
    throw new PkiError("PKCS12_MALFORMED", `not a readable PKCS#12 file: ${message}`);
  }
  const bagsOf = (bagType: string): Bag[] => p12.getBags({ bagType })[bagType] ?? [];
  const keyBags = [
    ...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag ?? ""),
    ...bagsOf(forge.pki.oids.keyBag ?? ""),
  ];
  const certs = bagsOf(forge.pki.oids.certBag ?? "").map(certPem);
  const firstKey = keyBags[0];
  if (keyBags.length !== 1 || firstKey === undefined) {
    throw new PkiError(
      "PKCS12_MALFORMED",
      `PKCS#12 must hold exactly one private key, found ${keyBags.length}`,
    );
  }
  const privateKeyPem = keyPem(firstKey);
  const keyObject = createPrivateKey(privateKeyPem);
  const own = certs.findIndex((pem) => new X509Certificate(pem).checkPrivateKey(keyObject));
  const certificatePem = certs[own];
  if (certificatePem === undefined) {
    throw new PkiError("PKCS12_MALFORMED", "PKCS#12 holds no certificate for its private key");
  }
  return { privateKeyPem, certificatePem, chainPems: certs.filter((_, i) => i !== own) };
}
