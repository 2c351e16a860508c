import { type Packet, parsePacket } from "@edoc/edxml";
import type { DetachedTexts } from "./detached.js";
import { reason, type TrustPolicy, type VerificationReport } from "./report.js";
import { verifyEdxml } from "./verify.js";

export interface VerifiedPacket {
  readonly report: VerificationReport;
  /**
   * The packet read from the signed bytes only (report.signedXml), present whenever the
   * signature cryptographically covers it. Act on it only when report.valid.
   */
  readonly packet?: Packet;
}

/**
 * What the gateway and `edoc verify` run: verifyEdxml, then the packet parsed from exactly the
 * signed bytes, then the binding rule: the signer's certificate must name the packet's From
 * OrganId (SIGNER_NOT_BOUND otherwise). Signed content that is not a valid packet throws the
 * parser's EdxmlError. With `detached` (a skeleton and its cut-out runs), attachment sizes of
 * placeholder texts come from the runs.
 */
export async function verifyPacket(
  xml: string | Uint8Array,
  policy: TrustPolicy,
  detached?: DetachedTexts,
): Promise<VerifiedPacket> {
  const report = await verifyEdxml(xml, policy, detached);
  if (report.signedXml === undefined || report.signer === undefined) return { report };
  // The input's size was bounded as received; its canonical form may be somewhat longer.
  const parsed = parsePacket(
    report.signedXml,
    { ...policy.limits, maxBytes: Number.MAX_SAFE_INTEGER },
    detached && {
      detached: new Map(detached.runs.map((r) => [r.token, r])),
    },
  );
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
