import { vietnamParts } from "@edoc/vntime";
import { z } from "zod";

/**
 * What the listener answers, field by field as the SDK reads it (and the client checks).
 * Envelopes may carry more fields than these: unknown ones are kept.
 */
export const EnvelopeSchema = z.looseObject({
  status: z.enum(["OK", "FAIL"]),
  ErrorCode: z.string(),
  ErrorDesc: z.string(),
  edocCode: z.string().optional(),
});

export const ReceivedItem = z.object({
  docId: z.string(),
  serviceType: z.string(),
  messageType: z.enum(["edoc", "status"]),
  created_time: z.string(),
  updated_time: z.string(),
  from: z.string(),
  to: z.string(),
  /** transport state: `initial` (not yet fetched), `processing` (fetched), `done`, `fail` */
  status: z.string(),
  status_desc: z.string(),
  /** extras a vendor may use: the letter's DocumentId, its subject, the status code carried */
  documentId: z.string().optional(),
  /** new | revoke | update | replace | status (TraceHeaderList/Bussiness) */
  docType: z.string().optional(),
  subject: z.string().optional(),
  statusCode: z.string().optional(),
});
export type ReceivedItem = z.infer<typeof ReceivedItem>;

export const SentItem = z.object({
  senderDocId: z.string(),
  receiverDocId: z.string(),
  fromCode: z.string(),
  toCode: z.string(),
  title: z.string(),
  notation: z.string(),
  sentTime: z.string(),
  receivedTime: z.string(),
  sendStatus: z.string(),
  sendStatusDesc: z.string(),
  receiveStatus: z.string(),
  receiveStatusDesc: z.string(),
  messageType: z.string(),
  serviceType: z.string(),
});
export type SentItem = z.infer<typeof SentItem>;

export const AgencyItem = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  pid: z.string(),
  mail: z.string(),
  mobile: z.string(),
  fax: z.string(),
});
export type AgencyItem = z.infer<typeof AgencyItem>;

export const AgencyQd20Item = AgencyItem.extend({
  code102: z.string(),
  centerCode: z.string(),
  isAgency: z.boolean(),
  oldCode: z.string(),
  /** 1 active, 0 closed (QĐ 20/2020's list keeps closed units with their successor) */
  status: z.number().int(),
  deleted: z.boolean(),
  modifyDate: z.string(),
  version: z.number().int(),
});
export type AgencyQd20Item = z.infer<typeof AgencyQd20Item>;

export const UnitItem = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  pid: z.string(),
  centerCode: z.string(),
});
export type UnitItem = z.infer<typeof UnitItem>;

/** `registerAgency`'s JSON body, as the SDK sends it. */
export const RegisterAgencyBody = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  pcode: z.string().max(64).optional(),
  code: z.string().min(1).max(64),
  name: z.string().min(1).max(500),
  mail: z.string().max(200).optional(),
  mobile: z.string().max(50).optional(),
  fax: z.string().max(50).optional(),
});
export type RegisterAgencyBody = z.infer<typeof RegisterAgencyBody>;

export const SendAnswer = EnvelopeSchema.extend({ DocId: z.string() });
export const ReceivedListAnswer = EnvelopeSchema.extend({ data: z.array(ReceivedItem) });
export const SentListAnswer = EnvelopeSchema.extend({ data: z.array(SentItem) });
export const AgenciesAnswer = EnvelopeSchema.extend({ data: z.array(AgencyItem) });
export const AgenciesQd20Answer = EnvelopeSchema.extend({ data: z.array(AgencyQd20Item) });
export const UnitsAnswer = EnvelopeSchema.extend({ data: z.array(UnitItem) });
export const CountAnswer = EnvelopeSchema.extend({ count: z.number().int().nonnegative() });
export const EdocAnswer = EnvelopeSchema.extend({ data: z.string() });

const p2 = (n: number): string => String(n).padStart(2, "0");

/** An instant as the listener writes times: ISO 8601 in Vietnam time, `…+07:00`. */
export function vietnamIso(at: Date | string): string {
  const v = vietnamParts(typeof at === "string" ? new Date(at) : at);
  return `${v.year}-${p2(v.month)}-${p2(v.day)}T${p2(v.hour)}:${p2(v.minute)}:${p2(v.second)}+07:00`;
}
