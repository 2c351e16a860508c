// RFC 6960 OCSP: the request for one certificate and the judgement of the responder's answer.
// Pure: bytes in, a verdict out; the HTTP exchange belongs to the caller (RevocationSource).
import { createPublicKey, randomBytes, verify } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { certificateFromDer, signedBy } from "./cache.js";
import { sameCertificate } from "./certs.js";
import { x509 } from "./x509.js";

// pkijs hashes CertIDs through an engine; Node's own WebCrypto, as for @peculiar/x509.
pkijs.setEngine("node", new pkijs.CryptoEngine({ name: "node", crypto: globalThis.crypto }));

const NONCE_OID = "1.3.6.1.5.5.7.48.1.2";
const OCSP_SIGNING = "1.3.6.1.5.5.7.3.9";
/** Clock skew allowed between the responder and the hub. */
const SKEW_MS = 5 * 60 * 1000;

/** Signature algorithms a responder may use, by OID: Node's digest name. */
const SIGNATURE_HASHES = new Map([
  ["1.2.840.113549.1.1.11", "sha256"],
  ["1.2.840.113549.1.1.12", "sha384"],
  ["1.2.840.113549.1.1.13", "sha512"],
  ["1.2.840.10045.4.3.2", "sha256"],
  ["1.2.840.10045.4.3.3", "sha384"],
  ["1.2.840.10045.4.3.4", "sha512"],
]);

export interface OcspRequest {
  readonly der: Uint8Array;
  /** The extnValue of the nonce extension sent; the answer must echo it. */
  readonly nonce: Uint8Array;
  readonly certId: pkijs.CertID;
}

export type OcspVerdict =
  | { readonly status: "good"; readonly producedAt: Date }
  | { readonly status: "revoked"; readonly producedAt: Date; readonly revokedAt: Date }
  /** No usable answer: unknown certificate, error status, bad signature, stale, wrong nonce. */
  | { readonly status: "unusable"; readonly why: string };

const pkijsCert = (cert: x509.X509Certificate) => pkijs.Certificate.fromBER(cert.rawData);

/** The DER OCSPRequest for `cert` (issued by `issuer`), with a fresh 16-byte nonce. */
export async function ocspRequest(
  cert: x509.X509Certificate,
  issuer: x509.X509Certificate,
): Promise<OcspRequest> {
  const certId = new pkijs.CertID();
  await certId.createForCertificate(pkijsCert(cert), {
    hashAlgorithm: "SHA-1", // what every responder supports (RFC 5019)
    issuerCertificate: pkijsCert(issuer),
  });
  const nonce = new Uint8Array(new asn1js.OctetString({ valueHex: randomBytes(16) }).toBER());
  const request = new pkijs.OCSPRequest();
  request.tbsRequest.requestList = [new pkijs.Request({ reqCert: certId })];
  request.tbsRequest.requestExtensions = [
    new pkijs.Extension({ extnID: NONCE_OID, extnValue: nonce.buffer as ArrayBuffer }),
  ];
  return { der: new Uint8Array(request.toSchema(true).toBER()), nonce, certId };
}

const unusable = (why: string): OcspVerdict => ({ status: "unusable", why });

/**
 * Judges a DER OCSPResponse to `request` at `at`: successful status, signed by the CA itself or
 * by a responder the CA certified for OCSP signing (RFC 6960 4.2.2.2), our nonce echoed, a
 * SingleResponse for our CertID that is current (thisUpdate not in the future, nextUpdate not
 * passed).
 */
export async function ocspVerdict(
  der: Uint8Array,
  request: OcspRequest,
  issuer: x509.X509Certificate,
  at: Date,
): Promise<OcspVerdict> {
  let basic: pkijs.BasicOCSPResponse;
  try {
    const response = pkijs.OCSPResponse.fromBER(der);
    const status = response.responseStatus.valueBlock.valueDec;
    if (status !== 0) return unusable(`the responder answered status ${status} (not successful)`);
    const bytes = response.responseBytes?.response.valueBlock.valueHexView;
    if (!bytes) return unusable("the response carries no BasicOCSPResponse");
    basic = pkijs.BasicOCSPResponse.fromBER(bytes);
  } catch {
    return unusable("the response is not a readable OCSPResponse");
  }
  const data = basic.tbsResponseData;
  const signer = await responderCertificate(basic, issuer, at);
  if (typeof signer === "string") return unusable(signer);
  const echoed = data.responseExtensions?.find((e) => e.extnID === NONCE_OID);
  if (!echoed || !Buffer.from(echoed.extnValue.valueBlock.valueHexView).equals(request.nonce)) {
    return unusable("the response does not echo the request's nonce (a replayed answer?)");
  }
  const single = data.responses.find((r) => r.certID.isEqual(request.certId));
  if (!single) return unusable("the response says nothing about the certificate asked for");
  if (single.thisUpdate.getTime() > at.getTime() + SKEW_MS) {
    return unusable(
      `the response's thisUpdate ${single.thisUpdate.toISOString()} is in the future`,
    );
  }
  if (single.nextUpdate && single.nextUpdate.getTime() < at.getTime()) {
    return unusable(`the response is stale: nextUpdate ${single.nextUpdate.toISOString()}`);
  }
  const producedAt = data.producedAt;
  const tag = (single.certStatus as asn1js.BaseBlock).idBlock.tagNumber;
  if (tag === 0) return { status: "good", producedAt };
  if (tag === 1) {
    const inner = (single.certStatus as asn1js.Constructed).valueBlock.value[0];
    const revokedAt =
      inner instanceof asn1js.GeneralizedTime ? inner.toDate() : new Date(Number.NaN);
    return { status: "revoked", producedAt, revokedAt };
  }
  return unusable("the responder does not know the certificate (status unknown)");
}

/** The certificate whose key signed the response, if it may speak for `issuer`; else why not. */
async function responderCertificate(
  basic: pkijs.BasicOCSPResponse,
  issuer: x509.X509Certificate,
  at: Date,
): Promise<x509.X509Certificate | string> {
  const hash = SIGNATURE_HASHES.get(basic.signatureAlgorithm.algorithmId);
  if (!hash)
    return `the response is signed with ${basic.signatureAlgorithm.algorithmId}, not allowed`;
  const candidates = [issuer];
  for (const c of basic.certs ?? []) {
    try {
      candidates.push(certificateFromDer(new Uint8Array(c.toSchema().toBER())));
    } catch {
      // An unreadable extra certificate cannot be the signer.
    }
  }
  const tbs = basic.tbsResponseData.tbsView;
  const signature = basic.signature.valueBlock.valueHexView;
  for (const cert of candidates) {
    const key = createPublicKey({
      key: Buffer.from(cert.publicKey.rawData),
      format: "der",
      type: "spki",
    });
    if (!verify(hash, tbs, key, signature)) continue;
    if (sameCertificate(cert, issuer)) return cert;
    return (await delegatedBy(cert, issuer, at))
      ? cert
      : "the response is signed by a certificate the CA did not authorize for OCSP signing";
  }
  return "the response's signature does not verify with the CA's or an included responder's key";
}

/** RFC 6960 4.2.2.2: issued by the CA, id-kp-OCSPSigning, valid now. */
async function delegatedBy(
  responder: x509.X509Certificate,
  issuer: x509.X509Certificate,
  at: Date,
): Promise<boolean> {
  const eku = responder.getExtension(x509.ExtendedKeyUsageExtension);
  const usages = (eku?.usages ?? []).map(String);
  return (
    usages.includes(OCSP_SIGNING) &&
    responder.notBefore.getTime() <= at.getTime() &&
    at.getTime() <= responder.notAfter.getTime() &&
    (await signedBy(responder, issuer))
  );
}
