export {
  type CallInput,
  type RawReply,
  VdxpClient,
  type VdxpClientOptions,
  VdxpFailure,
} from "./client.js";
