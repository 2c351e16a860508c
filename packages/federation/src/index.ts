export {
  appendHop,
  checkHops,
  decodeTrace,
  encodeTrace,
  type HopCheck,
  TRACE_HEADER,
  type TraceDecode,
} from "./trace.js";
