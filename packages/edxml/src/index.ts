// @edoc/edxml: edXML (QCVN 102:2016) packets: safe XML parsing, typed reading with full
// validation, canonical building. Pure: no I/O.
export { decodeAttachment } from "./attachment.js";
export { buildLetter, buildStatus, responseForLetter } from "./build.js";
export {
  EdxmlError,
  type EdxmlErrorCode,
  type EdxmlIssue,
  type SourcePosition,
} from "./errors.js";
export { defaultLimits, type Limits } from "./limits.js";
export {
  type DetachedSizes,
  type ParseOptions,
  parseLetter,
  parsePacket,
  parseStatus,
} from "./packet.js";
export { decodeInput } from "./source.js";
export type {
  Attachment,
  Business,
  BusinessDocType,
  Letter,
  ManifestReference,
  MessageHeader,
  Organization,
  Packet,
  Priority,
  ResponseFor,
  StaffInfo,
  StatusCode,
  StatusPacket,
  TraceHeader,
} from "./types.js";
export { parseXml } from "./xml.js";

/** The edXML namespace. */
export const EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
