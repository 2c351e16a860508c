import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

// Node's own WebCrypto (global since Node 19), as @edoc/signature uses: no third-party crypto.
pkijs.setEngine("node", new pkijs.CryptoEngine({ name: "node", crypto: globalThis.crypto }));

const MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const SIGNING_TIME = "1.2.840.113549.1.9.5";
const HASHES: Record<string, string> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

/** What the CMS check found, before any certificate path is looked at. */
export type CmsOutcome =
  | {
      ok: false;
      code: "PDF_SIGNATURE_INVALID" | "PDF_DIGEST_MISMATCH";
      message: string;
      certificates: pkijs.Certificate[];
    }
  | {
      ok: true;
      signer: pkijs.Certificate;
      certificates: pkijs.Certificate[];
      hash: string;
      signingTime?: Date;
    };

/**
 * Checks a detached CMS SignedData (RFC 5652) over `content`: one SignerInfo, an accepted
 * digest, the messageDigest signed attribute against the hash of the signed byte ranges, then
 * the signature itself with pkijs (which also finds the signer among the carried certificates).
 */
export async function checkCms(
  der: Uint8Array,
  content: Uint8Array,
  allowSha1: boolean,
): Promise<CmsOutcome> {
  const invalid = (message: string, certificates: pkijs.Certificate[] = []): CmsOutcome => ({
    ok: false,
    code: "PDF_SIGNATURE_INVALID",
    message,
    certificates,
  });
  let signed: pkijs.SignedData;
  try {
    const asn = asn1js.fromBER(Uint8Array.from(der).buffer);
    if (asn.offset === -1) return invalid("/Contents is not DER");
    const info = new pkijs.ContentInfo({ schema: asn.result });
    if (info.contentType !== pkijs.ContentInfo.SIGNED_DATA) {
      return invalid("/Contents is not a CMS SignedData");
    }
    signed = new pkijs.SignedData({ schema: info.content });
  } catch (err) {
    return invalid(`/Contents is not a readable CMS SignedData: ${(err as Error).message}`);
  }
  const certificates = (signed.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
  );
  if (signed.signerInfos.length !== 1) {
    return invalid(
      `the CMS carries ${signed.signerInfos.length} SignerInfos; PAdES needs one`,
      certificates,
    );
  }
  const si = signed.signerInfos[0]!;
  const hash = HASHES[si.digestAlgorithm.algorithmId];
  if (hash === undefined || (hash === "sha1" && !allowSha1)) {
    return invalid(
      `digest algorithm ${hash ?? si.digestAlgorithm.algorithmId} is not accepted`,
      certificates,
    );
  }
  const attrs = si.signedAttrs?.attributes ?? [];
  const digestAttr = attrs.find((a) => a.type === MESSAGE_DIGEST)?.values[0];
  if (digestAttr instanceof asn1js.OctetString) {
    const actual = createHash(hash).update(content).digest();
    if (!actual.equals(Buffer.from(digestAttr.valueBlock.valueHexView))) {
      return {
        ok: false,
        code: "PDF_DIGEST_MISMATCH",
        message:
          "the signed byte ranges no longer hash to the signed messageDigest: the PDF changed after signing",
        certificates,
      };
    }
  } else if (si.signedAttrs) {
    return invalid("the signed attributes carry no messageDigest", certificates);
  }
  let result: pkijs.SignedDataVerifyResult;
  try {
    result = await signed.verify({
      signer: 0,
      data: Uint8Array.from(content).buffer,
      checkChain: false,
      extendedMode: true,
    });
  } catch (err) {
    const e = err as pkijs.SignedDataVerifyError;
    return invalid(`the CMS signature does not verify: ${e.message}`, certificates);
  }
  if (!result.signatureVerified || !result.signerCertificate) {
    return invalid(`the CMS signature does not verify: ${result.message}`, certificates);
  }
  const signingTime = timeOf(attrs.find((a) => a.type === SIGNING_TIME)?.values[0]);
  return {
    ok: true,
    signer: result.signerCertificate,
    certificates,
    hash,
    ...(signingTime ? { signingTime } : {}),
  };
}

function timeOf(value: unknown): Date | undefined {
  if (value instanceof asn1js.UTCTime || value instanceof asn1js.GeneralizedTime) {
    return value.toDate();
  }
  return undefined;
}

/** PEM of a certificate pkijs read. */
export function certificatePem(cert: pkijs.Certificate): string {
  const b64 = Buffer.from(cert.toSchema().toBER()).toString("base64");
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;
}
