import { webcrypto } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

export const OID = {
  sha256: "2.16.840.1.101.3.4.2.1",
  signedData: "1.2.840.113549.1.7.2",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  timeStamping: "1.3.6.1.5.5.7.3.8",
} as const;

/** pkijs on Node's WebCrypto, passed explicitly so no global engine is set. */
export const engine = new pkijs.CryptoEngine({
  name: "node",
  crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]["crypto"],
});

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString("hex");
}

/** Parses DER into a pkijs class, or undefined when it is not that structure. */
export function parse<T>(der: Uint8Array, make: (schema: asn1js.AsnType) => T): T | undefined {
  const asn = asn1js.fromBER(toArrayBuffer(der));
  if (asn.offset === -1 || asn.offset !== der.byteLength) return undefined;
  try {
    return make(asn.result);
  } catch {
    return undefined;
  }
}

/** The token (a CMS ContentInfo) as SignedData, with its TSTInfo. */
export function readToken(
  token: Uint8Array,
): { signed: pkijs.SignedData; info: pkijs.TSTInfo } | string {
  const ci = parse(token, (schema) => new pkijs.ContentInfo({ schema }));
  if (!ci) return "the token is not a DER ContentInfo";
  if (ci.contentType !== OID.signedData) return "the token is not CMS SignedData";
  let signed: pkijs.SignedData;
  try {
    signed = new pkijs.SignedData({ schema: ci.content });
  } catch {
    return "the token's SignedData is malformed";
  }
  const encap = signed.encapContentInfo;
  if (encap.eContentType !== OID.tstInfo || !encap.eContent) {
    return "the token does not encapsulate a TSTInfo";
  }
  const content = new Uint8Array(encap.eContent.getValue());
  const info = parse(content, (schema) => new pkijs.TSTInfo({ schema }));
  if (!info) return "the token's TSTInfo is malformed";
  return { signed, info };
}
