import { isOrganId, type OrganId } from "@edoc/directory";
import type { InboxItem } from "@edoc/messages";
import {
  type Envelope,
  hashFileMatches,
  isMessageType,
  type MessageType,
  type Operation,
  okEnvelope,
  PARAM,
  RegisterAgencyBody,
} from "@edoc/vdxp";
import { REASON_HEADER } from "@edoc/vdxp-client";
import type { Request, Response } from "express";
import type { Caller } from "../auth.js";
import { bodyDigest, readPacketBody } from "../body.js";
import { ApiError } from "../errors.js";
import { streamChunks } from "../fetch.js";
import { logFields } from "../request-log.js";
import { callArchive, callArchiveForBytes } from "../rpc.js";
import { type SubmitDeps, submitPacket } from "../submit.js";
import { param, type SystemCaller } from "./auth.js";
import {
  agencyItem,
  isOpen,
  qd20Items,
  receivedItem,
  sentItems,
  sentItemsOfTrace,
  unitItems,
} from "./items.js";
import { type FederationDeps, peerOrigin, scopeOf, traceHeader } from "./peer.js";
import { VdxpRefusal } from "./refusal.js";

export interface OperationDeps extends SubmitDeps, FederationDeps {
  maxPacketBytes: number;
  /** Maintenance mode refuses submissions on both doors; lists and fetches stay open. */
  refuseIfMaintenance: () => void;
}

/** An operation answers an envelope, or (downloadEdoc) writes the response itself. */
export type OperationHandler = (
  deps: OperationDeps,
  req: Request,
  res: Response,
  caller: SystemCaller,
) => Promise<Envelope | undefined>;

function required(req: Request, name: string): string {
  const v = param(req, name);
  if (v === undefined) throw new VdxpRefusal("BAD_REQUEST", `XroadVnpt-${name} is required`);
  return v;
}

function messageType(req: Request, fallback?: MessageType): MessageType {
  const v = param(req, PARAM.messagetype) ?? fallback;
  if (!isMessageType(v)) {
    throw new VdxpRefusal("BAD_REQUEST", "XroadVnpt-messagetype must be edoc or status");
  }
  return v;
}

function level(req: Request): number | undefined {
  const v = param(req, PARAM.level);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (![1, 2, 3, 4].includes(n)) throw new VdxpRefusal("BAD_REQUEST", "XroadVnpt-level is 1 to 4");
  return n;
}

/**
 * sendEdoc: the one accept path of the native API (submitPacket: signature, signer ↔ From,
 * sender and recipients, receipts, dedupe), with the protocol's own checks first: a `from` the
 * system holds, the messagetype against the packet, the hash-file against the file.
 */
const sendEdoc: OperationHandler = async (deps, req, res, caller) => {
  const type = messageType(req);
  const from = param(req, PARAM.from);
  // A peer hub carries other agencies' letters: From is checked against the directory instead.
  if (!caller.peerHub && from !== undefined && !caller.actingFor.includes(from as OrganId)) {
    throw new VdxpRefusal("FROM_NOT_ALLOWED", `system ${caller.systemId} may not send as ${from}`);
  }
  const peer = caller.peerHub ? peerOrigin(deps, req, caller) : undefined;
  deps.refuseIfMaintenance();
  const declared = param(req, PARAM.hashFile);
  const body = await readPacketBody(req, deps.maxPacketBytes, { dropTrailingCrlf: true });
  try {
    if (declared !== undefined && !hashFileMatches(declared, bodyDigest(body))) {
      throw new VdxpRefusal("HASH_MISMATCH", "XroadVnpt-hash-file is not the SHA-256 of the file");
    }
    const submitter: Caller = {
      organId: (from ?? caller.actingFor[0] ?? "") as OrganId,
      actingFor: caller.actingFor,
      certificateSerial: `vdxp:${caller.systemId}`,
    };
    const kind = type === "edoc" ? "letter" : "status";
    const result = await submitPacket(deps, submitter, body, kind, peer).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === "WRONG_ENDPOINT") {
        const is = kind === "letter" ? "a status packet" : "a letter";
        throw new ApiError(err.code, `messagetype=${type} but this is ${is}`, err.status);
      }
      throw err;
    });
    logFields(res, {
      msg: "packet accepted (VDXP)",
      docId: result.body.hubDocumentId,
      outcome: result.body.outcome,
      size: body.size,
      ...(peer ? { fromHub: peer.fromHub, hops: peer.trace.length } : {}),
    });
    return okEnvelope({
      DocId: result.body.hubDocumentId,
      outcome: result.body.outcome,
      receivedAt: result.body.receivedAt,
      receipt: result.body.receipt,
    });
  } finally {
    body.dispose();
  }
};

/**
 * The caller's deliveries not yet acknowledged, of one message type: those waiting (`pending`)
 * and those fetched but not acknowledged, asked apart so settled ones never crowd them out.
 * A peer hub gets them oldest first: statuses of one letter must reach it in order.
 */
async function openItems(deps: OperationDeps, caller: SystemCaller, type: MessageType) {
  const ask = (state: "pending" | "fetched") =>
    callArchive(deps.bus, "inbox.list", { ...scopeOf(caller), state, limit: 1000 });
  const [pending, fetched] = await Promise.all([ask("pending"), ask("fetched")]);
  const kind: InboxItem["kind"] = type === "edoc" ? "letter" : "status";
  const items = [...pending.items, ...fetched.items].filter((i) => i.kind === kind && isOpen(i));
  if (caller.peerHub) items.sort((a, b) => a.availableAt.localeCompare(b.availableAt));
  return items;
}

const getReceivedEdocList: OperationHandler = async (deps, req, _res, caller) => {
  const items = await openItems(deps, caller, messageType(req, "edoc"));
  return okEnvelope({ data: items.map(receivedItem) });
};

const count =
  (type: MessageType): OperationHandler =>
  async (deps, _req, _res, caller) =>
    okEnvelope({ count: (await openItems(deps, caller, type)).length });

/** A delivery's bytes, whole (getEdoc answers them as one base64 string anyway). */
async function fetchWhole(deps: OperationDeps, caller: SystemCaller, deliveryId: string) {
  const params = { ...scopeOf(caller), deliveryId };
  const out = await callArchive(deps.bus, "inbox.fetch", params, 30_000);
  if (out.edxml !== undefined) return { out, bytes: Buffer.from(out.edxml, "base64") };
  const parts: Buffer[] = [];
  for (let index = 0; index < (out.chunks ?? 0); index++) {
    const chunk = await callArchiveForBytes(deps.bus, "inbox.fetchChunk", { ...params, index });
    parts.push(Buffer.from(chunk.bytes));
  }
  return { out, bytes: Buffer.concat(parts) };
}

/** For a peer hub, the hops so far and this hub's own go with the bytes (`x-edoc-trace`). */
const getEdoc: OperationHandler = async (deps, req, res, caller) => {
  const { out, bytes } = await fetchWhole(deps, caller, required(req, PARAM.docId));
  if (caller.peerHub) res.setHeader(...traceHeader(deps, out));
  return okEnvelope({ data: bytes.toString("base64") });
};

/** The raw bytes (GET); a refusal is still a JSON envelope. */
const downloadEdoc: OperationHandler = async (deps, req, res, caller) => {
  const params = { ...scopeOf(caller), deliveryId: required(req, PARAM.docId) };
  const out = await callArchive(deps.bus, "inbox.fetch", params, 30_000);
  if (caller.peerHub) res.setHeader(...traceHeader(deps, out));
  res.type("application/octet-stream");
  if (out.edxml !== undefined) {
    res.send(Buffer.from(out.edxml, "base64"));
    return undefined;
  }
  await streamChunks(deps.bus, res, { ...params, chunks: out.chunks ?? 0, size: out.size });
  return undefined;
};

const updateStatus: OperationHandler = async (deps, req, _res, caller) => {
  const status = required(req, PARAM.status);
  if (status !== "done" && status !== "fail") {
    throw new VdxpRefusal("BAD_REQUEST", "XroadVnpt-status must be done or fail");
  }
  const reason = status === "fail" ? reasonOf(req) : undefined;
  await callArchive(deps.bus, "inbox.ack", {
    ...scopeOf(caller),
    deliveryId: required(req, PARAM.docId),
    result: status,
    ...(reason ? { reason } : {}),
  });
  return okEnvelope();
};

/**
 * Why a delivery failed, as the taker says (`x-edoc-reason`, URI-encoded): a peer hub's refusal
 * code and message, which the sender's return carries.
 */
function reasonOf(req: Request): string | undefined {
  const raw = req.headers[REASON_HEADER];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (!v) return undefined;
  try {
    return decodeURIComponent(v).slice(0, 1000);
  } catch {
    return v.slice(0, 1000);
  }
}

/**
 * From the hub's records of what the caller's agencies sent (`documents.list`); a docId not
 * among the recent ones is read from its trace (someone else's is "not found").
 */
const getSentEdocList: OperationHandler = async (deps, req, _res, caller) => {
  const type = messageType(req, "edoc");
  const docId = param(req, PARAM.docId);
  const { documents } = await callArchive(deps.bus, "documents.list", {
    actingFor: caller.actingFor,
    limit: 500,
  });
  const kind = type === "edoc" ? "letter" : "status";
  const mine = documents.filter(
    (d) => d.kind === kind && (docId === undefined || d.hubDocumentId === docId),
  );
  if (docId !== undefined && mine.length === 0) {
    const trace = await callArchive(deps.bus, "documents.trace", {
      actingFor: caller.actingFor,
      id: docId,
    });
    const accepted = trace.events.find((e) => e.type === "accepted")?.at ?? "";
    if (trace.hubDocumentId !== docId || trace.kind !== kind || !accepted) {
      throw new VdxpRefusal("DOCUMENT_NOT_FOUND", `no ${type} ${docId} sent by this system`);
    }
    return okEnvelope({ data: sentItemsOfTrace(trace, accepted) });
  }
  return okEnvelope({ data: mine.flatMap(sentItems) });
};

const getAgenciesList: OperationHandler = async (deps) =>
  okEnvelope({ data: deps.directory().list(new Date()).map(agencyItem) });

const getAgenciesListQD20: OperationHandler = async (deps, req) =>
  okEnvelope({ data: qd20Items(deps.directory(), new Date(), level(req)) });

const getSynchronizeUnit: OperationHandler = async (deps, req) =>
  okEnvelope({ data: unitItems(deps.directory(), new Date(), level(req)) });

/** Never an instant change of the directory: a request an operator approves in the console. */
const registerAgency: OperationHandler = async (deps, req, _res, caller) => {
  const parsed = RegisterAgencyBody.safeParse(req.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VdxpRefusal(
      "BAD_REQUEST",
      `registerAgency body: ${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const a = parsed.data;
  if (!isOrganId(a.code)) {
    throw new VdxpRefusal("BAD_REQUEST", `code ${JSON.stringify(a.code)} is not an OrganId`);
  }
  const { registration } = await callArchive(deps.bus, "registrations.create", {
    systemId: caller.systemId,
    kind: "register",
    code: a.code,
    name: a.name,
    ...(a.pcode ? { parentCode: a.pcode } : {}),
    ...(a.mail ? { mail: a.mail } : {}),
    ...(a.mobile ? { mobile: a.mobile } : {}),
    ...(a.fax ? { fax: a.fax } : {}),
  });
  return pending(registration.id);
};

const deleteAgency: OperationHandler = async (deps, req, _res, caller) => {
  const code = required(req, PARAM.agencyCode);
  if (!caller.actingFor.includes(code as OrganId)) {
    throw new VdxpRefusal("FROM_NOT_ALLOWED", `system ${caller.systemId} does not hold ${code}`);
  }
  const { registration } = await callArchive(deps.bus, "registrations.create", {
    systemId: caller.systemId,
    kind: "delete",
    code,
  });
  return pending(registration.id);
};

function pending(requestId: string): Envelope {
  return {
    ...okEnvelope({ requestId }),
    ErrorDesc: `request ${requestId} filed: an operator of the hub approves or refuses it`,
  };
}

export const OPERATION_HANDLERS: Record<Operation, OperationHandler> = {
  sendEdoc,
  getReceivedEdocList,
  getEdoc,
  downloadEdoc,
  updateStatus,
  countReceiveEdoc: count("edoc"),
  countReceiveStatus: count("status"),
  getSentEdocList,
  getAgenciesList,
  getAgenciesListQD20,
  getSynchronizeUnit,
  registerAgency,
  deleteAgency,
};
