/**
 * The contract between the hub's services: every message on the bus and every archive RPC,
 * as zod schemas. Services validate what they receive with these (once, at the edge) and get
 * typed values; nothing else is shared between services.
 */
import { z } from "zod";
import { ChainRpcParams, ChainRpcResults } from "./chain.js";
import { ConsoleStateRpcParams, ConsoleStateRpcResults } from "./console.js";
import { ConsoleRpcParams, ConsoleRpcResults } from "./console-letters.js";
import { DirectoryRpcParams, DirectoryRpcResults } from "./directory.js";
import { DocumentsRpcParams, DocumentsRpcResults } from "./documents.js";
import { InboxRpcParams, InboxRpcResults } from "./inbox.js";
import { MaintenanceRpcParams, MaintenanceRpcResults } from "./maintenance.js";
import { PacketsRpcParams, PacketsRpcResults } from "./packets.js";
import { RateLimitRpcParams, RateLimitRpcResults } from "./ratelimit.js";
import { ReportsRpcParams, ReportsRpcResults } from "./reports.js";
import { RetentionRpcParams, RetentionRpcResults } from "./retention.js";
import { SystemsRpcParams, SystemsRpcResults } from "./systems.js";

export { PublishedChainHead } from "./chain.js";
export { ConsoleSession, type ConsoleStateRpcMethod } from "./console.js";
export * from "./console-letters.js";
export * from "./directory.js";
export * from "./documents.js";
export { HopTrace, HubId, TraceEntry } from "./federation.js";
export * from "./inbox.js";
export { MaintenanceState } from "./maintenance.js";
export * from "./packets.js";
export { PdfCheck, PdfRecord, PdfSignatureRecord } from "./pades.js";
export {
  SIGNER_MAX_BATCH,
  SignerRpcParams,
  SignerRpcResults,
  type SignerSignParams,
} from "./signer.js";

/**
 * Archive RPC methods (queue `archive.rpc`). `actingFor` is every OrganId the authenticated
 * system may act for: the archive scopes each query to it, so an agency never sees another's
 * deliveries whatever ids it guesses.
 */
export const RpcParams = {
  ...PacketsRpcParams,
  ...InboxRpcParams,
  ...DocumentsRpcParams,
  ...ConsoleRpcParams,
  ...DirectoryRpcParams,
  ...SystemsRpcParams,
  ...MaintenanceRpcParams,
  ...ChainRpcParams,
  ...ReportsRpcParams,
  ...RetentionRpcParams,
  ...ConsoleStateRpcParams,
  ...RateLimitRpcParams,
  health: z.object({}),
} as const;
export type RpcMethod = keyof typeof RpcParams;
export type RpcParamsOf<M extends RpcMethod> = z.infer<(typeof RpcParams)[M]>;

export const RpcResults = {
  ...PacketsRpcResults,
  ...InboxRpcResults,
  ...DocumentsRpcResults,
  ...ConsoleRpcResults,
  ...DirectoryRpcResults,
  ...SystemsRpcResults,
  ...MaintenanceRpcResults,
  ...ChainRpcResults,
  ...ReportsRpcResults,
  ...RetentionRpcResults,
  ...ConsoleStateRpcResults,
  ...RateLimitRpcResults,
  health: z.object({
    database: z.boolean(),
    chainHead: z.object({ seq: z.number(), hash: z.string() }).optional(),
  }),
} as const;
export type RpcResultOf<M extends RpcMethod> = z.infer<(typeof RpcResults)[M]>;

export {
  AgencyMonthCounts,
  type ReportsRpcMethod,
  ReportsRpcParams,
  ReportsRpcResults,
} from "./reports.js";
export {
  Registration,
  SystemAuth,
  SystemId,
  SystemView,
} from "./systems.js";

export { z };
