import { type Packet, parsePacket } from "@edoc/edxml";
import type { DetachedTexts } from "./detached.js";
import { reason, type TrustPolicy, type VerificationReport } from "./report.js";
import { type Engine, verifyDocument } from "./verify.js";

export interface VerifiedPacket {
  readonly report: VerificationReport;
  /**
   * The packet read from the signed bytes only (report.signedXml), present whenever the
   * signature cryptographically covers it. Act on it only when report.valid.
   */
  readonly packet?: Packet;
}

/**
 * What the gateway and `edoc verify` run: verifyEdxml, then the packet read from exactly the
 * signed content, then the binding rule: the signer's certificate must name the packet's From
 * OrganId (SIGNER_NOT_BOUND otherwise). Signed content that is not a valid packet throws the
 * parser's EdxmlError. With `detached` (a skeleton and its cut-out runs), attachment sizes of
 * placeholder texts come from the runs.
 *
 * The input is parsed once. The signed content of the one admitted Reference (URI="",
 * enveloped-signature, then C14N) is the whole document but the Signature element and the
 * comments; once the digest over that node-set has matched, the Signature element is taken out
 * of the same DOM and the packet is read from what remains (comments are never read: the reader
 * takes elements and their text). report.signedXml is the canonical form of those very nodes.
 */
export function verifyPacket(
  xml: string | Uint8Array,
  policy: TrustPolicy,
  detached?: DetachedTexts,
): Promise<VerifiedPacket> {
  return verifyPacketWith(xml, policy, detached, "parse-once");
}

/**
 * verifyPacket with the XML-DSig check run by `engine`. "library" is the former path (xml-crypto's
 * full checkSignature, then the packet parsed again from report.signedXml), kept for the
 * differential tests and the benchmark's baseline; not exported from the package.
 */
export async function verifyPacketWith(
  xml: string | Uint8Array,
  policy: TrustPolicy,
  detached: DetachedTexts | undefined,
  engine: Engine,
): Promise<VerifiedPacket> {
  const { report, doc, signature } = await verifyDocument(
    xml,
    policy,
    "edxml-header",
    detached,
    engine,
  );
  if (report.signedXml === undefined || report.signer === undefined || !signature) {
    return { report };
  }
  // The input's size was bounded as received; its canonical form may be somewhat longer.
  const limits = { ...policy.limits, maxBytes: Number.MAX_SAFE_INTEGER };
  const options = detached && { detached: new Map(detached.runs.map((r) => [r.token, r])) };
  let parsed: Packet;
  if (engine === "library") {
    parsed = parsePacket(report.signedXml, limits, options);
  } else {
    signature.parentNode?.removeChild(signature);
    parsed = parsePacket(doc, limits, options);
  }
  const from = parsed.kind === "letter" ? parsed.header.from.organId : parsed.from.organId;
  if (!report.signer.organIds.includes(from)) {
    const bound = report.signer.organIds;
    report.reasons.push(
      reason(
        "SIGNER_NOT_BOUND",
        `From is ${from} but the signer's certificate is bound to ${bound.length > 0 ? bound.join(", ") : "no OrganId"}`,
      ),
    );
    report.valid = false;
  }
  // The enveloped Signature is not part of the signed bytes, but the packet did carry one.
  return { report, packet: { ...parsed, hasSignature: true } };
}
