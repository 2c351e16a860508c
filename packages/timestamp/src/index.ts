// @edoc/timestamp: RFC 3161 time-stamp requests and offline verification of the tokens a TSA
// returns (pkijs). Pure: bytes in, values out; the HTTP exchange with the TSA is the caller's.
export { TimestampError, type TimestampErrorCode } from "./errors.js";
export {
  TIMESTAMP_QUERY,
  TIMESTAMP_REPLY,
  type TimestampRequest,
  timestampRequest,
  tokenFromResponse,
} from "./request.js";
export {
  type TimestampProblem,
  type TimestampTrust,
  type TimestampVerification,
  verifyTimestampToken,
} from "./verify.js";
