export {
  type CallInput,
  type RawReply,
  REASON_HEADER,
  VdxpClient,
  type VdxpClientOptions,
  VdxpFailure,
} from "./client.js";
