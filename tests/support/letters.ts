import { randomBytes } from "node:crypto";
import { parseOrganId } from "@edoc/directory";
import { type BusinessDocType, buildLetter, buildStatus, type StatusCode } from "@edoc/edxml";
import { signEdxml } from "@edoc/signature";
import type { Agent } from "./hub.js";

/** edXML time: yyyy/MM/dd HH:mm:ss (UTC here). */
export function edxmlTime(d = new Date()): string {
  return d.toISOString().slice(0, 19).replace("T", " ").replaceAll("-", "/");
}

export interface LetterOptions {
  subject?: string;
  docType?: BusinessDocType;
  documentId?: string;
  attachmentBytes?: number;
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
    },
    traces: [{ organId: parseOrganId(from), timestamp: edxmlTime() }],
    business: {
      docType,
      paper: false,
      ...(docType === "new" ? {} : { documentId, reason: "kiểm thử" }),
    },
    manifest: [{ contentId: "1", contentType: "text/plain", attachmentName: "a.txt" }],
    attachments: [
      {
        contentId: "1",
        contentType: "text/plain",
        name: "a.txt",
        encoded: content.toString("base64"),
        size: content.length,
      },
    ],
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
