import { createHash, randomBytes } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { hex, OID, parse, readToken } from "./asn1.js";
import { TimestampError } from "./errors.js";

/** An RFC 3161 TimeStampReq and what its answer must match. */
export interface TimestampRequest {
  /** DER, to POST as application/timestamp-query. */
  readonly der: Uint8Array;
  /** SHA-256 of the data, lower-case hex: the messageImprint. */
  readonly imprint: string;
  /** The request's nonce, lower-case hex (a positive INTEGER's content bytes). */
  readonly nonce: string;
}

export const TIMESTAMP_QUERY = "application/timestamp-query";
export const TIMESTAMP_REPLY = "application/timestamp-reply";

function sha256Imprint(digest: Uint8Array): pkijs.MessageImprint {
  return new pkijs.MessageImprint({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
    hashedMessage: new asn1js.OctetString({ valueHex: digest }),
  });
}

/**
 * A TimeStampReq over SHA-256 of `data`, with a fresh 64-bit nonce and certReq (the TSA's
 * certificate travels inside the token, so the token verifies offline).
 */
export function timestampRequest(data: Uint8Array): TimestampRequest {
  const digest = createHash("sha256").update(data).digest();
  const nonce = randomBytes(8);
  // Positive and minimally encoded: a clear top bit and a non-zero first byte.
  nonce[0] = ((nonce[0] ?? 0) & 0x7f) | 0x40;
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: sha256Imprint(digest),
    nonce: new asn1js.Integer({ valueHex: nonce }),
    certReq: true,
  });
  return {
    der: new Uint8Array(req.toSchema().toBER(false)),
    imprint: digest.toString("hex"),
    nonce: nonce.toString("hex"),
  };
}

/**
 * The TimeStampToken (DER ContentInfo) from a TSA's TimeStampResp, once it is granted and
 * answers this very request (imprint and nonce). The token's signature is verifyTimestampToken's job.
 */
export function tokenFromResponse(response: Uint8Array, request: TimestampRequest): Uint8Array {
  const resp = parse(response, (schema) => new pkijs.TimeStampResp({ schema }));
  if (!resp) throw new TimestampError("TSA_RESPONSE_INVALID", "not a DER TimeStampResp");
  const status = resp.status.status;
  if (status !== 0 && status !== 1) {
    const text = resp.status.statusStrings?.map((s) => s.valueBlock.value).join("; ");
    throw new TimestampError(
      "TSA_REFUSED",
      `the TSA refused the request (PKIStatus ${status}${text ? `: ${text}` : ""})`,
    );
  }
  if (!resp.timeStampToken) {
    throw new TimestampError("TSA_RESPONSE_INVALID", "a granted response without a token");
  }
  const token = new Uint8Array(resp.timeStampToken.toSchema().toBER(false));
  const read = readToken(token);
  if (typeof read === "string") throw new TimestampError("TSA_RESPONSE_INVALID", read);
  const imprint = hex(read.info.messageImprint.hashedMessage.valueBlock.valueHexView);
  const nonce = read.info.nonce ? hex(read.info.nonce.valueBlock.valueHexView) : undefined;
  if (imprint !== request.imprint) {
    throw new TimestampError(
      "TSA_RESPONSE_MISMATCH",
      `the token stamps ${imprint}, not ${request.imprint}`,
    );
  }
  if (nonce !== request.nonce) {
    throw new TimestampError(
      "TSA_RESPONSE_MISMATCH",
      `the token's nonce is ${nonce ?? "absent"}, not ${request.nonce}`,
    );
  }
  return token;
}
