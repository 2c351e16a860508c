import { RpcError } from "@edoc/bus";
import type { AcceptRequest, AcceptResult } from "@edoc/messages";
import { validateReceiptBody } from "@edoc/receipts";
import { decideStatus, normalizeStatusCode } from "@edoc/routing";
import type { Logger } from "@edoc/runtime";
import { isDuplicateKeyError } from "@edoc/store";
import { sha256 } from "./blobs.js";
import type { AnswerRef, DeliveryRef, PacketDoc } from "./collections.js";
import { type Ctx, compact } from "./context.js";
import {
  acceptedBody,
  discardIncomplete,
  finishPacket,
  forgetPacket,
  type Payload,
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
type StatusContext = NonNullable<Parameters<typeof decideStatus>[2]>;

/** What the lookups add to the packet row. */
type Links = Pick<
  PacketDoc,
  "refersTo" | "originalRecipients" | "originalSender" | "reporterDeliveryId" | "appliesTo"
>;

function resultOf(row: PacketDoc, outcome: AcceptResult["outcome"]): AcceptResult {
  return {
    outcome,
    hubDocumentId: row.hubDocumentId,
    receivedAt: row.receivedAt,
    receiptXml: row.receiptXml,
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
 * Crash-safe order: dedupe key → work-list entry (pendingRoutes) → packet row (routeState
 * pending, no receiptId) → bytes → `accepted` receipt → lookup lists → row marked complete
 * (receiptId) → RouteRequest published → reply.
 * A retry finds the row by its dedupe key: complete → duplicate (or conflict); incomplete with
 * the same digest → finished with the retry's bytes; incomplete with another digest → the old
 * attempt (never acknowledged) is discarded and the new one accepted. The reconciler finishes
 * or discards incomplete rows nobody retries.
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
      if (!(await ctx.blobs.checkChunks(req.hubDocumentId, chunks, req.digest, req.size))) {
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
  if (bytes.length !== req.size || sha256(bytes) !== req.digest) throw digestMismatch();
  return { bytes };
}

/** An upload no packet row claims (an interrupted accept's are the reconciler's). */
async function discardUnused(ctx: Ctx, hubDocumentId: string): Promise<void> {
  if (await ctx.c.packets.findOne({ _id: hubDocumentId }, { projection: { _id: 1 } })) return;
  await ctx.blobs.discardUpload(hubDocumentId);
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
    const existing = await packetByKey(ctx, key);
    if (existing) {
      const answer = await answerExisting(ctx, existing, req, bytes, log);
      if (answer) return answer;
    }

    const links = await link(ctx, req, statusCode, log);
    if ("duplicate" in links) return resultOf(links.duplicate, "duplicate");

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
      priority: req.priority,
      relatedDocumentId: req.relatedDocumentId,
      status: req.status && statusCode ? compact({ ...req.status, code: statusCode }) : undefined,
      digest: req.digest,
      size: req.size,
      receivedAt: req.receivedAt,
      signer: compact({ ...req.signer }),
      receiptXml: req.receiptXml,
      routeState: "pending" as const,
      createdAt: now,
      ...compact(links.links),
    });
    checkRecordable(row);
    await insertPacket(ctx, row);
    await finishPacket(ctx, row, bytes, log);
    log.info(
      { key, kind: row.kind, docType: row.docType, from: row.from, size: row.size },
      "packet accepted",
    );
    return resultOf(row, "accepted");
  });
}

/**
 * The packet under a dedupe key. A key whose packet row is missing (a crash before the row
 * was inserted) or names another packet (a refused hubDocumentId) is dropped, with the
 * work-list entry written under it: nothing was accepted under it. Runs under the key's lock.
 */
async function packetByKey(ctx: Ctx, key: string): Promise<PacketDoc | undefined> {
  const named = await ctx.c.packetKeys.findOne({ _id: key });
  if (!named) return undefined;
  const row = await ctx.c.packets.findOne({ _id: named.hubDocumentId });
  if (row?.key === key) return row;
  if (!row) await forgetPacket(ctx, named.hubDocumentId, key);
  else await ctx.c.packetKeys.deleteOne({ _id: key });
  return undefined;
}

/**
 * Writes a new packet: its dedupe key (the unique `_id` that makes it the only packet under
 * that key), its reconciler work-list entry, then its row. A hubDocumentId already in use is
 * refused, and what was written for it taken back.
 */
async function insertPacket(ctx: Ctx, row: PacketDoc): Promise<void> {
  const id = row.hubDocumentId;
  const conflict = async (err: unknown, written: "key" | "pending") => {
    if (!isDuplicateKeyError(err)) throw err;
    if (written === "pending") await ctx.c.pendingRoutes.deleteOne({ _id: id });
    await ctx.c.packetKeys.deleteOne({ _id: row.key });
    throw new RpcError(
      "HUB_DOCUMENT_ID_CONFLICT",
      `hubDocumentId ${id} already names another packet`,
      409,
    );
  };
  await ctx.c.packetKeys.insertOne({ _id: row.key, hubDocumentId: id });
  const pending = {
    _id: id,
    key: row.key,
    nextPublishAt: new Date(row.createdAt.getTime() + ctx.reconcileMs),
    publishCount: 0,
  };
  await ctx.c.pendingRoutes.insertOne(pending).catch((err: unknown) => conflict(err, "key"));
  await ctx.c.packets.insertOne(row).catch((err: unknown) => conflict(err, "pending"));
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
    return resultOf(existing, "duplicate");
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
  if (existing.kind === "status") return resultOf(existing, "duplicate");
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
  const reporterRole = delivery ? "recipient" : "sender";
  const context: StatusContext = letter.docType === "status" ? {} : { docType: letter.docType };
  const all = statusesOf(letter);
  const isAsk = (p: AnswerRef) => p.from === letter.from && p.code === "13";
  /** A sender's 13 counts for delivery `id` unless it was a duplicate there. */
  const askedOf = (p: AnswerRef, id: string | undefined) =>
    isAsk(p) && (p.appliesTo === undefined || (id !== undefined && p.appliesTo.includes(id)));
  const decide = (history: AnswerRef[]) =>
    decideStatus(
      history.map((p) => ({ code: normalizeStatusCode(p.code), at: p.receivedAt })),
      { code, reporterRole },
      context,
    );

  // decideStatus judges one delivery: the sender's take-back requests (13) and that
  // recipient's statuses. A 13 concerns every delivery of the letter: it is new when it is new
  // for at least one of them (one not yet asked, or one that refused the last request), and
  // it is routed to, and counted for, those deliveries only.
  let decision: ReturnType<typeof decideStatus>;
  let appliesTo: DeliveryRef[] | undefined;
  if (delivery) {
    decision = decide(
      all.filter((p) => askedOf(p, delivery.deliveryId) || (p.from === req.from && !isAsk(p))),
    );
  } else {
    const judged = (letter.deliveries ?? []).map((d) => ({
      d,
      decision: decide(
        all.filter(
          (p) =>
            askedOf(p, d.deliveryId) ||
            (!isAsk(p) &&
              (p.reporterDeliveryId === d.deliveryId ||
                (p.reporterDeliveryId === undefined && p.from === d.addressedTo))),
        ),
      ),
    }));
    if (judged.length === 0) {
      decision = decide(all.filter((p) => askedOf(p, undefined)));
    } else {
      const accepted = judged.filter((j) => j.decision.action === "accept");
      appliesTo = accepted.map((j) => j.d);
      decision = accepted[0]?.decision ??
        judged.find((j) => j.decision.action === "refuse")?.decision ?? {
          action: "ignore-duplicate",
        };
    }
  }
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
