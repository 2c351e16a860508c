export { linkBackoffMs } from "./backoff.js";
export { checkPeerSender, type PeerSenderCheck } from "./peer.js";
export {
  agenciesFromQd20,
  mergeUpstreamAgencies,
  type Qd20Row,
  type SyncEdit,
  type SyncPlan,
  syncPlan,
} from "./sync.js";
export {
  appendHop,
  checkHops,
  decodeTrace,
  encodeTrace,
  type HopCheck,
  type HopRefusal,
  TRACE_HEADER,
  type TraceDecode,
} from "./trace.js";
