export { type Envelope, failEnvelope, okEnvelope } from "./envelope.js";
export { VDXP_ERRORS, type VdxpError, type VdxpErrorCode, vdxpErrorOf } from "./errors.js";
export { hashFile, hashFileMatches, normaliseHashFile } from "./hash-file.js";
export {
  HEADER_PREFIX,
  headerName,
  isMessageType,
  isOperation,
  type MessageType,
  OPERATIONS,
  type Operation,
  PARAM,
  PROTOCOL_VERSION,
} from "./headers.js";
export {
  AgenciesAnswer,
  AgenciesQd20Answer,
  AgencyItem,
  AgencyQd20Item,
  CountAnswer,
  EdocAnswer,
  EnvelopeSchema,
  ReceivedItem,
  ReceivedListAnswer,
  RegisterAgencyBody,
  SendAnswer,
  SentItem,
  SentListAnswer,
  UnitItem,
  UnitsAnswer,
  vietnamIso,
} from "./schemas.js";
export { generateSecret, openSecret, parseSystemsKey, sealSecret } from "./secrets.js";
export {
  hmacHex,
  readSignedRequest,
  type SignedHeaders,
  type SignedRequest,
  signHeaders,
  verifyHash,
} from "./sign.js";
export { formatTimestamp, parseTimestamp, withinWindow } from "./timestamp.js";
