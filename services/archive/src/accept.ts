import { RpcError } from "@edoc/bus";
import type { AcceptRequest, AcceptResult } from "@edoc/messages";
import { sha256Hex, validateReceiptBody } from "@edoc/receipts";
import { linkStatus as linkToLetter, normalizeStatusCode } from "@edoc/routing";
import type { Logger } from "@edoc/runtime";
import { isDuplicateKeyError } from "@edoc/store";
import type { PacketDoc, PendingRouteDoc } from "./collections.js";
import { type Ctx, compact } from "./context.js";
import {
  acceptanceXml,
  acceptedBody,
  discardIncomplete,
  finishPacket,
  forgetPacket,
  type Payload,
  packetOwns,
  settleAttested,
  statusReceiptBody,
} from "./finish.js";
import { dedupeKey } from "./keys.js";
import {
  findAnsweredLetter,
  findNewLetter,
  originalRecipients,
  reporterDelivery,
  statusesOf,
} from "./originals.js";

type StatusCode = ReturnType<typeof normalizeStatusCode>;

/** What the lookups add to the packet row. */
type Links = Pick<
  PacketDoc,
  "refersTo" | "originalRecipients" | "originalSender" | "reporterDeliveryId" | "appliesTo"
>;

/** The answer about a stored packet: its own acceptance receipt, as first given. */
async function resultOf(
  ctx: Ctx,
  row: PacketDoc,
  outcome: AcceptResult["outcome"],
): Promise<AcceptResult> {
  return {
    outcome,
    hubDocumentId: row.hubDocumentId,
    receivedAt: row.receivedAt,
    receiptXml: await acceptanceXml(ctx, row.hubDocumentId),
  };
}

function normalizedCode(raw: string): StatusCode {
  try {
    return normalizeStatusCode(raw);
  } catch (err) {
    throw new RpcError(
      "STATUS_CODE_INVALID",
      err instanceof Error ? err.message : String(err),
      400,
    );
  }
}

function checkShape(req: AcceptRequest): void {
  if (req.kind === "status" && (req.docType !== "status" || !req.status)) {
    throw new RpcError(
      "PACKET_INCONSISTENT",
      "a status packet needs docType status and status information",
      400,
    );
  }
  if (req.kind === "letter" && (req.docType === "status" || req.status)) {
    throw new RpcError("PACKET_INCONSISTENT", "a letter cannot carry docType status", 400);
  }
}

/**
 * RPC `packets.accept`: stores one verified packet, exactly once.
 *
 * Crash-safe order: dedupe key → acceptance receipt (its `_id` claims the hubDocumentId) →
 * work-list entry (pendingRoutes, carrying the packet row) → bytes → `accepted` receipt →
 * lookup lists → packet row, complete → RouteRequest published → reply. The row is inserted
 * once and complete, never updated to complete: one write per letter instead of two.
 * A retry finds the packet by its dedupe key (its row, or while incomplete its work-list
 * entry): complete → duplicate (or conflict); incomplete with the same digest → finished with
 * the retry's bytes; incomplete with another digest → the old attempt (never acknowledged) is
 * discarded and the new one accepted. The reconciler finishes or discards incomplete packets
 * nobody retries.
 */
export async function acceptPacket(ctx: Ctx, req: AcceptRequest): Promise<AcceptResult> {
  checkShape(req);
  if (req.chunks === undefined) return acceptWith(ctx, req, inlinePayload(req));
  // Uploaded chunks (a large packet): nothing else reads them until the `blobs` row says they
  // are complete, so an upload that is not accepted under its own id is removed again.
  const chunks = req.chunks;
  let result: AcceptResult;
  try {
    if (!(await ctx.blobs.has(req.hubDocumentId, req.digest, req.size))) {
      if (!(await ctx.blobs.checkUpload(req.hubDocumentId, chunks, req.digest, req.size))) {
        throw digestMismatch();
      }
    }
    result = await acceptWith(ctx, req, { chunks });
  } catch (err) {
    await discardUnused(ctx, req.hubDocumentId);
    throw err;
  }
  if (result.hubDocumentId !== req.hubDocumentId) await discardUnused(ctx, req.hubDocumentId);
  return result;
}

function digestMismatch(): RpcError {
  return new RpcError(
    "DIGEST_MISMATCH",
    "the edxml bytes do not match the digest and size given with them",
    400,
  );
}

function inlinePayload(req: AcceptRequest): Payload {
  const bytes = Buffer.from(req.edxml ?? "", "base64");
  if (bytes.length !== req.size || sha256Hex(bytes) !== req.digest) throw digestMismatch();
  return { bytes };
}

/** An upload no packet owns (an interrupted accept's are the reconciler's). */
async function discardUnused(ctx: Ctx, hubDocumentId: string): Promise<void> {
  if (!(await packetOwns(ctx, hubDocumentId))) await ctx.blobs.discardUpload(hubDocumentId);
}

async function acceptWith(ctx: Ctx, req: AcceptRequest, bytes: Payload): Promise<AcceptResult> {
  const log = ctx.log.child({ docId: req.hubDocumentId });
  const statusCode = req.status ? normalizedCode(req.status.code) : undefined;
  const key = dedupeKey(req, statusCode);
  // Statuses of one reporter about one letter are judged one at a time (against each other's
  // history); the packet's own key lock, inside, is the one the reconciler shares.
  const group = req.status
    ? `status:${req.from}|${req.status.responseForOrganId}|${req.status.responseForDocumentId}`
    : undefined;
  const locked = <T>(fn: () => Promise<T>) =>
    group ? ctx.locks.run(group, () => ctx.locks.run(key, fn)) : ctx.locks.run(key, fn);

  return locked(async () => {
    // The dedupe key is claimed first: for a new packet (the usual case) its unique insert is
    // the whole check, one command where a lookup and then an insert would be two.
    if (!(await claimKey(ctx, key, req.hubDocumentId))) {
      const existing = await packetByKey(ctx, key);
      if (existing) {
        const answer = await answerExisting(ctx, existing, req, bytes, log);
        if (answer) return answer;
      }
      if (!(await claimKey(ctx, key, req.hubDocumentId))) {
        throw new Error(`dedupe key ${key} is held by another packet; retry`);
      }
    }
    let stored = false;
    try {
      const links = await link(ctx, req, statusCode, log);
      if ("duplicate" in links) return await resultOf(ctx, links.duplicate, "duplicate");

      const now = new Date();
      const row: PacketDoc = compact({
        _id: req.hubDocumentId,
        key,
        hubDocumentId: req.hubDocumentId,
        kind: req.kind,
        docType: req.docType,
        from: req.from,
        submittedBy: req.submittedBy,
        documentId: req.documentId,
        to: req.to,
        subject: req.subject,
        code: req.code,
        promulgationDate: req.promulgationDate,
        priority: req.priority,
        relatedDocumentId: req.relatedDocumentId,
        status: req.status && statusCode ? compact({ ...req.status, code: statusCode }) : undefined,
        digest: req.digest,
        size: req.size,
        receivedAt: req.receivedAt,
        signer: compact({ ...req.signer }),
        pdfCheck: req.pdfCheck,
        fromHub: req.fromHub,
        trace: req.trace,
        routeState: "pending" as const,
        createdAt: now,
        ...compact(links.links),
      });
      checkRecordable(row);
      await insertPending(ctx, row, req.receiptXml);
      stored = true;
      await finishPacket(ctx, row, bytes, log);
      log.info(
        { key, kind: row.kind, docType: row.docType, from: row.from, size: row.size },
        "packet accepted",
      );
      return {
        outcome: "accepted",
        hubDocumentId: row.hubDocumentId,
        receivedAt: row.receivedAt,
        receiptXml: req.receiptXml,
      };
    } finally {
      // Refused, a duplicate status, or failed before its row: nothing is stored under the key.
      if (!stored) await ctx.c.packetKeys.deleteOne({ _id: key, hubDocumentId: req.hubDocumentId });
    }
  });
}

/** Inserts the dedupe key's row; false when the key is taken already. */
async function claimKey(ctx: Ctx, key: string, hubDocumentId: string): Promise<boolean> {
  try {
    await ctx.c.packetKeys.insertOne({ _id: key, hubDocumentId });
    return true;
  } catch (err) {
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
}

/**
 * The packet under a dedupe key: its row, or while its accept is incomplete the row its
 * work-list entry carries. A key naming neither (a crash right after the key was written) or
 * naming another packet (a refused hubDocumentId) is dropped, with the work-list entry written
 * under it: nothing was accepted under it. Runs under the key's lock.
 */
async function packetByKey(ctx: Ctx, key: string): Promise<PacketDoc | undefined> {
  const named = await ctx.c.packetKeys.findOne({ _id: key });
  if (!named) return undefined;
  const id = named.hubDocumentId;
  const row =
    (await ctx.c.packets.findOne({ _id: id })) ??
    (await ctx.c.pendingRoutes.findOne({ _id: id }))?.row;
  if (row?.key === key) return row;
  if (!row) await forgetPacket(ctx, id, key);
  else await ctx.c.packetKeys.deleteOne({ _id: key });
  return undefined;
}

/**
 * Writes a new packet after its dedupe key: its acceptance receipt, whose `_id` claims the
 * hubDocumentId, then its reconciler work-list entry carrying the row. A hubDocumentId that
 * names another packet is refused (the caller takes back the key).
 */
async function insertPending(ctx: Ctx, row: PacketDoc, receiptXml: string): Promise<void> {
  const id = row.hubDocumentId;
  const conflict = () =>
    new RpcError(
      "HUB_DOCUMENT_ID_CONFLICT",
      `hubDocumentId ${id} already names another packet`,
      409,
    );
  const receipt = { _id: id, key: row.key, xml: receiptXml };
  try {
    await ctx.c.acceptanceReceipts.insertOne(receipt);
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    // Left by an attempt at this very packet that stopped before completing (or was
    // discarded): this attempt's receipt replaces it. Anything else is another packet's.
    const held = await ctx.c.acceptanceReceipts.findOne({ _id: id });
    if (held?.key !== row.key || (await ctx.c.packets.findOne({ _id: id }))) throw conflict();
    await ctx.c.acceptanceReceipts.replaceOne({ _id: id }, receipt);
  }
  const pending: PendingRouteDoc = {
    _id: id,
    key: row.key,
    nextPublishAt: new Date(row.createdAt.getTime() + ctx.reconcileMs),
    publishCount: 0,
    row,
  };
  await ctx.c.pendingRoutes.insertOne(pending).catch((err: unknown) => {
    throw isDuplicateKeyError(err) ? conflict() : err;
  });
}

/**
 * Refuses, before anything is written, a packet whose receipts the chain would reject (an
 * over-long DocumentId, say): otherwise it would be stored but never completed.
 */
function checkRecordable(row: PacketDoc): void {
  try {
    validateReceiptBody(acceptedBody(row));
    const status = statusReceiptBody(row, new Date().toISOString());
    if (status) validateReceiptBody(status);
  } catch (err) {
    throw new RpcError(
      "PACKET_UNRECORDABLE",
      `cannot be recorded: ${err instanceof Error ? err.message : String(err)}`,
      400,
    );
  }
}

/** A packet with this dedupe key exists: answer from it, or undefined to accept anew. */
async function answerExisting(
  ctx: Ctx,
  existing: PacketDoc,
  req: AcceptRequest,
  bytes: Payload,
  log: Logger,
): Promise<AcceptResult | undefined> {
  const complete = await settleAttested(ctx, existing, log);
  if (existing.digest === req.digest) {
    if (!complete) {
      log.warn(
        { original: existing.hubDocumentId },
        "finishing an accept that was interrupted, with the retry's bytes",
      );
      await finishPacket(ctx, existing, bytes, log);
    }
    return resultOf(ctx, existing, "duplicate");
  }
  if (!complete) {
    log.warn(
      { original: existing.hubDocumentId },
      "discarding an interrupted accept of other bytes (never acknowledged)",
    );
    await discardIncomplete(ctx, existing);
    return undefined;
  }
  // The same status said again (other bytes, e.g. a new timestamp) is ignored, not a conflict.
  if (existing.kind === "status") return resultOf(ctx, existing, "duplicate");
  throw new RpcError(
    "DOCUMENT_CONFLICT",
    `${req.from} already sent ${req.docType} document ${JSON.stringify(req.documentId)} with other content (hub document ${existing.hubDocumentId})`,
    409,
    { hubDocumentId: existing.hubDocumentId, digest: existing.digest },
  );
}

/** The letter a status, revoke, update or replace refers to, and the checks that need it. */
async function link(
  ctx: Ctx,
  req: AcceptRequest,
  statusCode: StatusCode | undefined,
  log: Logger,
): Promise<{ links: Links } | { duplicate: PacketDoc }> {
  if (req.kind === "status" && req.status && statusCode) {
    return linkStatus(ctx, req, req.status, statusCode, log);
  }
  if (req.docType === "new") return { links: {} };
  const originalId = req.relatedDocumentId ?? req.documentId;
  const original = await findNewLetter(ctx, req.from, originalId);
  if (!original) {
    if (req.docType === "revoke") {
      throw new RpcError(
        "ORIGINAL_UNKNOWN",
        `no letter ${JSON.stringify(originalId)} from ${req.from} to revoke`,
        404,
      );
    }
    log.info(
      { originalId },
      `${req.docType} of a letter the hub never carried; routed as addressed`,
    );
    return { links: {} };
  }
  return {
    links: {
      refersTo: original.hubDocumentId,
      originalRecipients: originalRecipients(original),
    },
  };
}

async function linkStatus(
  ctx: Ctx,
  req: AcceptRequest,
  status: NonNullable<AcceptRequest["status"]>,
  code: StatusCode,
  log: Logger,
): Promise<{ links: Links } | { duplicate: PacketDoc }> {
  const letter = await findAnsweredLetter(
    ctx,
    status.responseForOrganId,
    status.responseForDocumentId,
    code,
    req.from,
  );
  if (!letter) {
    throw new RpcError(
      "STATUS_UNKNOWN_DOCUMENT",
      `no letter ${JSON.stringify(status.responseForDocumentId)} from ${status.responseForOrganId} passed through this hub`,
      404,
    );
  }
  const isSender = req.from === letter.from;
  const delivery =
    code === "13" && isSender ? undefined : await reporterDelivery(ctx, letter, req.from);
  if (!delivery && !isSender) {
    throw new RpcError(
      "STATUS_NOT_RECEIVED",
      `${req.from} never received ${JSON.stringify(letter.documentId)} through this hub`,
      403,
    );
  }
  const all = statusesOf(letter);
  const { decision, appliesTo } = linkToLetter(
    {
      from: letter.from,
      docType: letter.docType,
      deliveries: letter.deliveries ?? [],
      statuses: all,
    },
    {
      from: req.from,
      code,
      ...(delivery ? { reporterDeliveryId: delivery.deliveryId } : {}),
    },
  );
  if (decision.action === "refuse") throw new RpcError(decision.code, decision.message, 409);
  if (decision.action === "ignore-duplicate") {
    const mine = all.filter((p) => p.from === req.from);
    const earlier = mine.filter((p) => p.code === code).at(-1) ?? mine.at(-1);
    const row = earlier && (await ctx.c.packets.findOne({ _id: earlier.hubDocumentId }));
    if (row) {
      log.info({ code, earlier: row.hubDocumentId }, "duplicate status ignored");
      return { duplicate: row };
    }
  }
  return {
    links: {
      refersTo: letter.hubDocumentId,
      originalRecipients: appliesTo
        ? [...new Set(appliesTo.map((d) => d.addressedTo))]
        : originalRecipients(letter),
      originalSender: letter.from,
      reporterDeliveryId: delivery?.deliveryId,
      appliesTo: appliesTo?.map((d) => d.deliveryId),
    },
  };
}
