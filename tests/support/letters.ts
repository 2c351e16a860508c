import { randomBytes } from "node:crypto";
import { parseOrganId } from "@edoc/directory";
import {
  type BusinessDocType,
  buildLetter,
  buildStatus,
  type Priority,
  type StatusCode,
} from "@edoc/edxml";
import { signEdxml, verifyPacket } from "@edoc/signature";
import { edxmlTimestamp } from "@edoc/vntime";
import { type Agent, api, type TestHub } from "./hub.js";

/** edXML time: yyyy/MM/dd HH:mm:ss in Vietnam time, as agency systems read it. */
export function edxmlTime(d = new Date()): string {
  return edxmlTimestamp(d);
}

export interface LetterOptions {
  subject?: string;
  docType?: BusinessDocType;
  documentId?: string;
  attachmentBytes?: number;
  /** Instead of the one text attachment (e.g. a zip of signed PDFs, as the VPCP SDK sends). */
  attachments?: { name: string; contentType: string; bytes: Uint8Array }[];
  /** Độ khẩn: 0 normal, 1–4 urgent (khẩn … hỏa tốc). */
  priority?: Priority;
}

/** A valid, unsigned edXML letter from `from` to `to`. */
export function letterXml(
  from: string,
  to: string[],
  o: LetterOptions = {},
): { xml: string; documentId: string } {
  const date = edxmlTime().slice(0, 10);
  const number = String(Math.floor(Math.random() * 1e6));
  const documentId =
    o.documentId ?? `${from},${date},${number}/TEST-${randomBytes(3).toString("hex")}`;
  const content = Buffer.alloc(o.attachmentBytes ?? 64, "Văn bản thử nghiệm. ");
  const files = o.attachments ?? [{ name: "a.txt", contentType: "text/plain", bytes: content }];
  const docType = o.docType ?? "new";
  const xml = buildLetter({
    header: {
      from: { organId: parseOrganId(from), organName: `Cơ quan ${from}` },
      to: to.map((t) => ({ organId: parseOrganId(t) })),
      documentId,
      code: { number, notation: "TEST" },
      promulgation: { place: "Tuy Hòa", date },
      subject: o.subject ?? "V/v kiểm thử liên thông",
      toPlaces: [],
      responseFor: [],
      ...(o.priority !== undefined ? { otherInfo: { priority: o.priority, appendixes: [] } } : {}),
    },
    traces: [{ organId: parseOrganId(from), timestamp: edxmlTime() }],
    business: {
      docType,
      paper: false,
      ...(docType === "new" ? {} : { documentId, reason: "kiểm thử" }),
    },
    manifest: files.map((f, i) => ({
      contentId: String(i + 1),
      contentType: f.contentType,
      attachmentName: f.name,
    })),
    attachments: files.map((f, i) => ({
      contentId: String(i + 1),
      contentType: f.contentType,
      name: f.name,
      encoded: Buffer.from(f.bytes).toString("base64"),
      size: f.bytes.length,
    })),
  });
  return { xml, documentId };
}

export function sign(agent: Pick<Agent, "certPem" | "keyPem">, xml: string): Buffer {
  return Buffer.from(
    signEdxml(xml, { privateKeyPem: agent.keyPem, certificatePem: agent.certPem }),
    "utf8",
  );
}

/** A signed status packet from `agent` about the letter `documentId` sent by `sender`. */
export function statusPacket(
  agent: Agent,
  sender: string,
  documentId: string,
  code: string,
  description?: string,
): Buffer {
  const xml = buildStatus({
    from: { organId: parseOrganId(agent.organId) },
    responseFor: { organId: parseOrganId(sender), documentId },
    statusCode: code as StatusCode,
    ...(description ? { description } : {}),
    timestamp: edxmlTime(),
    traces: [],
  });
  return sign(agent, xml);
}

/**
 * A recipient's system downloads a delivery, finds exactly `bytes` with the sender's signature
 * still valid against the hub's PKI, and acknowledges it `done`. Throws on any difference.
 */
export async function receiveAndAck(
  hub: TestHub,
  agent: Agent,
  deliveryId: string,
  bytes: Buffer,
): Promise<void> {
  const got = await api(hub, agent, "GET", `/inbox/${deliveryId}/edxml`);
  if (got.status !== 200) throw new Error(`fetch ${deliveryId}: ${got.status}`);
  if (!got.body.equals(bytes)) throw new Error(`fetch ${deliveryId}: other bytes`);
  const { report } = await verifyPacket(got.body, {
    trustAnchors: [hub.pki.root.certificatePem],
    intermediates: [hub.pki.issuing.certificatePem],
  });
  if (!report.valid) throw new Error(`fetch ${deliveryId}: signature no longer valid`);
  const ack = await api(
    hub,
    agent,
    "POST",
    `/inbox/${deliveryId}/ack`,
    JSON.stringify({ result: "done" }),
    "application/json",
  );
  if (ack.status !== 200) throw new Error(`ack ${deliveryId}: ${ack.status}`);
}
