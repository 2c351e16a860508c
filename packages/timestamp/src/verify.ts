import { createHash, X509Certificate } from "node:crypto";
import { verifyCertificate } from "@edoc/signature";
import type * as pkijs from "pkijs";
import { engine, hex, OID, readToken, toArrayBuffer } from "./asn1.js";

/** Stable codes of what can be wrong with a timestamp token. */
export type TimestampProblem =
  /** Not a TimeStampToken at all. */
  | "TOKEN_MALFORMED"
  /** The token stamps other data (messageImprint is not SHA-256 of these bytes). */
  | "IMPRINT_MISMATCH"
  /** The CMS signature over the TSTInfo does not verify with the certificate it names. */
  | "TOKEN_SIGNATURE_INVALID"
  /** The signer's certificate is not a TSA's (no timeStamping extended key usage). */
  | "TSA_NOT_TIMESTAMPING"
  /** The TSA certificate does not chain to the trust anchors as of genTime (or is revoked). */
  | "TSA_UNTRUSTED";

export interface TimestampVerification {
  /** True only when there are no problems. */
  valid: boolean;
  problems: { code: TimestampProblem; message: string }[];
  /** genTime: when the TSA says it saw the data (ISO 8601 UTC). */
  time?: string;
  /** The TSA's serial number of this token, hex. */
  serialNumber?: string;
  /** The TSA's policy OID. */
  policy?: string;
  tsa?: { subject: string; fingerprintSha256: string };
}

export interface TimestampTrust {
  /** PEM trust anchors; certificates inside the token are never anchors. */
  trustAnchors: readonly string[];
  /** More CA certificates that may complete the TSA's path. */
  intermediates?: readonly string[];
  /** CRLs (PEM) for the TSA's path. */
  crls?: readonly string[];
}

function pem(cert: pkijs.Certificate): string {
  const b64 = Buffer.from(cert.toSchema().toBER(false)).toString("base64");
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;
}

async function signerOf(
  signed: pkijs.SignedData,
  data: Uint8Array,
): Promise<{ verified: boolean; cert?: pkijs.Certificate }> {
  try {
    // pkijs checks the imprint against `data` again, then the signature.
    const r = await signed.verify(
      { signer: 0, data: toArrayBuffer(data), checkChain: false, extendedMode: true },
      engine,
    );
    return {
      verified: r.signatureVerified === true,
      ...(r.signerCertificate ? { cert: r.signerCertificate } : {}),
    };
  } catch (err) {
    // pkijs throws SignedDataVerifyError carrying what it found before failing.
    const e = err as { signerCertificate?: pkijs.Certificate | null };
    return { verified: false, ...(e.signerCertificate ? { cert: e.signerCertificate } : {}) };
  }
}

/**
 * Verifies an RFC 3161 TimeStampToken (DER) over `data` offline: the messageImprint is SHA-256
 * of `data`, the CMS signature verifies with the TSA certificate carried in the token, that
 * certificate has the timeStamping EKU and chains to the caller's anchors as of genTime.
 */
export async function verifyTimestampToken(
  token: Uint8Array,
  data: Uint8Array,
  trust: TimestampTrust,
): Promise<TimestampVerification> {
  const problems: TimestampVerification["problems"] = [];
  const read = readToken(token);
  if (typeof read === "string") {
    return { valid: false, problems: [{ code: "TOKEN_MALFORMED", message: read }] };
  }
  const { signed, info } = read;
  const time = info.genTime.toISOString();
  const out: TimestampVerification = {
    valid: false,
    problems,
    time,
    serialNumber: hex(info.serialNumber.valueBlock.valueHexView),
    policy: info.policy,
  };
  const imprint = info.messageImprint;
  const expected = createHash("sha256").update(data).digest("hex");
  const stamped = hex(imprint.hashedMessage.valueBlock.valueHexView);
  if (imprint.hashAlgorithm.algorithmId !== OID.sha256 || stamped !== expected) {
    problems.push({
      code: "IMPRINT_MISMATCH",
      message: `the token stamps ${imprint.hashAlgorithm.algorithmId} ${stamped}, the data's SHA-256 is ${expected}`,
    });
    // A token for other data proves nothing about this data, whoever signed it.
    return out;
  }
  const signer = await signerOf(signed, data);
  if (!signer.verified || !signer.cert) {
    problems.push({
      code: "TOKEN_SIGNATURE_INVALID",
      message: signer.cert
        ? "the token's CMS signature does not verify with the TSA certificate it names"
        : "the token carries no certificate matching its signer",
    });
  }
  if (signer.cert) {
    const certPem = pem(signer.cert);
    const x = new X509Certificate(certPem);
    out.tsa = {
      subject: x.subject.replaceAll("\n", ", "),
      fingerprintSha256: x.fingerprint256.replaceAll(":", "").toLowerCase(),
    };
    // X509Certificate.keyUsage lists the extended key usage OIDs.
    if (!(x.keyUsage ?? []).includes(OID.timeStamping)) {
      problems.push({
        code: "TSA_NOT_TIMESTAMPING",
        message: `${out.tsa.subject} has no timeStamping extended key usage`,
      });
    }
    const others = (signed.certificates ?? []).flatMap((c) =>
      "tbsView" in c && c !== signer.cert ? [pem(c as pkijs.Certificate)] : [],
    );
    const path = await verifyCertificate(certPem, {
      trustAnchors: trust.trustAnchors,
      intermediates: [...(trust.intermediates ?? []), ...others],
      crls: trust.crls ?? [],
      at: info.genTime,
    });
    if (!path.valid) {
      problems.push({
        code: "TSA_UNTRUSTED",
        message: `the TSA certificate is not trusted as of ${time}: ${path.reasons.map((r) => `${r.code}: ${r.message}`).join("; ")}`,
      });
    }
  }
  out.valid = problems.length === 0;
  return out;
}
