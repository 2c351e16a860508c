import { type InboundMessage, RpcBytes, RpcError, rpcBytesOf } from "@edoc/bus";
import {
  BLOB_CHUNK,
  type RpcMethod,
  RpcParams,
  type RpcParamsOf,
  type RpcResultOf,
  RpcResults,
} from "@edoc/messages";
import { acceptPacket } from "./accept.js";
import {
  consoleDeadLetters,
  consoleRedrive,
  consoleSearch,
  consoleStuck,
  consoleTrace,
} from "./console.js";
import {
  checkLogins,
  clearLogins,
  createSession,
  deleteSession,
  failLogins,
  getSession,
} from "./console-state.js";
import type { Ctx } from "./context.js";
import { directoryChange, directoryHistory, directorySnapshot } from "./directory.js";
import { listDocuments, traceDocument } from "./documents.js";
import { type EvidenceDeps, evidenceExport } from "./evidence.js";
import { listChainHeads } from "./heads.js";
import { ackDelivery, fetchDelivery, fetchDeliveryChunk, listInbox } from "./inbox.js";
import { getMaintenance, setMaintenance } from "./maintenance.js";
import { leaseTokens } from "./ratelimit.js";
import { monthlyCounts, type ReportDeps } from "./reports.js";
import { retentionApply } from "./retention.js";
import {
  addSystem,
  createRegistration,
  decideRegistration,
  getRegistration,
  getSystem,
  listRegistrations,
  listSystems,
  moveMailbox,
  updateSystem,
} from "./systems.js";

/** Methods whose reply carries raw bytes beside its JSON (@edoc/bus RpcBytes). */
type Reply<M extends RpcMethod> = M extends "inbox.fetchChunk" ? RpcBytes : RpcResultOf<M>;

/** `bytes`: the raw body a request carried beside its params (blobs.putChunk). */
type Handlers = {
  [M in RpcMethod]: (ctx: Ctx, params: RpcParamsOf<M>, bytes?: Buffer) => Promise<Reply<M>>;
};

export function rpcHandlers(
  health: Handlers["health"],
  evidence: EvidenceDeps,
  reports: ReportDeps,
  retentionDays?: number,
): Handlers {
  return {
    "packets.accept": acceptPacket,
    "inbox.list": listInbox,
    "inbox.fetch": fetchDelivery,
    "inbox.fetchChunk": fetchDeliveryChunk,
    "blobs.putChunk": putChunk,
    "inbox.ack": ackDelivery,
    "documents.list": listDocuments,
    "documents.trace": traceDocument,
    "console.search": consoleSearch,
    "console.trace": consoleTrace,
    "console.stuck": consoleStuck,
    "console.deadLetters": consoleDeadLetters,
    "console.redrive": consoleRedrive,
    "console.sessions.create": createSession,
    "console.sessions.get": getSession,
    "console.sessions.delete": deleteSession,
    "console.logins.check": checkLogins,
    "console.logins.fail": failLogins,
    "console.logins.clear": clearLogins,
    "ratelimit.lease": leaseTokens,
    "evidence.export": evidenceExport(evidence),
    "directory.change": directoryChange,
    "directory.snapshot": directorySnapshot,
    "directory.history": directoryHistory,
    "systems.add": addSystem,
    "systems.list": listSystems,
    "systems.get": getSystem,
    "systems.update": updateSystem,
    "systems.move": moveMailbox,
    "registrations.create": createRegistration,
    "registrations.list": listRegistrations,
    "registrations.get": getRegistration,
    "registrations.decide": decideRegistration,
    "chain.heads": listChainHeads,
    "maintenance.get": getMaintenance,
    "maintenance.set": setMaintenance,
    "reports.monthly": monthlyCounts(reports),
    "retention.apply": retentionApply(retentionDays),
    health,
  };
}

async function putChunk(
  ctx: Ctx,
  p: RpcParamsOf<"blobs.putChunk">,
  bytes?: Buffer,
): Promise<RpcResultOf<"blobs.putChunk">> {
  if (!bytes || bytes.length === 0 || bytes.length > BLOB_CHUNK) {
    throw new RpcError(
      "RPC_BAD_REQUEST",
      `blobs.putChunk: the body must carry 1 to ${BLOB_CHUNK} bytes`,
      400,
    );
  }
  return { stored: await ctx.blobs.putChunk(p.hubDocumentId, p.index, bytes) };
}

function isMethod(method: string): method is RpcMethod {
  return Object.hasOwn(RpcParams, method);
}

async function invoke<M extends RpcMethod>(
  ctx: Ctx,
  handlers: Handlers,
  method: M,
  raw: unknown,
  bytes: Buffer | undefined,
): Promise<Reply<M>> {
  const parsed = RpcParams[method].safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new RpcError("RPC_BAD_REQUEST", `${method}: ${where}${issue?.message ?? "invalid"}`, 400);
  }
  const handler = handlers[method] as (ctx: Ctx, p: unknown, b?: Buffer) => Promise<Reply<M>>;
  const result = await handler(ctx, parsed.data, bytes);
  // The contract holds in both directions: a result the caller would reject is our bug.
  const checked = RpcResults[method].safeParse(result instanceof RpcBytes ? result.value : result);
  if (!checked.success) {
    ctx.log.error(
      { method, issues: checked.error.issues.slice(0, 3) },
      "rpc result breaks the contract",
    );
    throw new RpcError("INTERNAL", "internal error", 500);
  }
  return result;
}

/** The `archive.rpc` handler: validates params, dispatches, validates the result. */
export function rpcDispatcher(ctx: Ctx, handlers: Handlers) {
  return async (method: string, params: unknown, msg: InboundMessage): Promise<unknown> => {
    if (!isMethod(method)) {
      throw new RpcError(
        "RPC_UNKNOWN_METHOD",
        `archive.rpc has no method ${JSON.stringify(method)}`,
        404,
      );
    }
    return invoke(ctx, handlers, method, params, rpcBytesOf(msg));
  };
}
