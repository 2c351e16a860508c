/** An agency's inbox (hộp thư đến): its items and the RPC methods that list, fetch and settle them. */
import { z } from "zod";
import { HopTrace, HubId } from "./federation.js";
import { DocType, MAX_CHUNKS, PacketKind } from "./packets.js";
import { isoTime, organId } from "./primitives.js";

export const DeliveryState = z.enum([
  "available",
  "fetched",
  "acknowledged",
  "failed",
  "withdrawn",
]);
export type DeliveryState = z.infer<typeof DeliveryState>;

/** One item of an agency's inbox (hộp thư đến). */
export const InboxItem = z.object({
  deliveryId: z.string(),
  hubDocumentId: z.string(),
  kind: PacketKind,
  docType: DocType,
  from: organId,
  recipient: organId,
  documentId: z.string(),
  subject: z.string().optional(),
  statusCode: z.string().optional(),
  priority: z.number().optional(),
  state: DeliveryState,
  availableAt: isoTime,
  fetchedAt: isoTime.optional(),
  acknowledgedAt: isoTime.optional(),
  ackResult: z.enum(["done", "fail"]).optional(),
  /** PlannedDelivery.hub */
  hub: HubId.optional(),
});
export type InboxItem = z.infer<typeof InboxItem>;

export const InboxRpcParams = {
  "inbox.list": z.object({
    actingFor: z.array(organId),
    /** Federation: also the deliveries whose `hub` is one of these (a peer hub's link). */
    hubs: z.array(HubId).optional(),
    /** open: available or fetched, not settled (a link resuming after a restart) */
    state: z.enum(["pending", "fetched", "open", "all"]),
    /** Newest first; at most this many. */
    limit: z.number().int().min(1).max(1000).default(500),
    /** Oldest first instead (a peer hub's link forwards in acceptance order). */
    oldestFirst: z.boolean().optional(),
  }),
  "inbox.fetch": z.object({
    actingFor: z.array(organId),
    hubs: z.array(HubId).optional(),
    deliveryId: z.string(),
  }),
  /** A chunk of a fetched delivery's packet (after `inbox.fetch` said how many). */
  "inbox.fetchChunk": z.object({
    actingFor: z.array(organId),
    hubs: z.array(HubId).optional(),
    deliveryId: z.string(),
    index: z
      .number()
      .int()
      .min(0)
      .max(MAX_CHUNKS - 1),
  }),
  "inbox.ack": z.object({
    actingFor: z.array(organId),
    hubs: z.array(HubId).optional(),
    deliveryId: z.string(),
    result: z.enum(["done", "fail"]),
    reason: z.string().max(1000).optional(),
    /**
     * Federation: the link that took a hub delivery says where it went. `done` → a signed
     * `forwarded` receipt (instead of `acknowledged`) naming the peer hub and the far side's
     * document id; `fail` (refused for good there) → a `returned` receipt, the sender's return.
     */
    forward: z.object({ hub: HubId, remoteReceipt: z.string().max(1000).optional() }).optional(),
  }),
} as const;

export const InboxRpcResults = {
  "inbox.list": z.object({ items: z.array(InboxItem) }),
  /** The packet inline (small), or its size and number of chunks to ask `inbox.fetchChunk` for. */
  "inbox.fetch": z
    .object({
      item: InboxItem,
      edxml: z.string().optional(),
      chunks: z.number().int().min(1).max(MAX_CHUNKS).optional(),
      size: z.number().int().nonnegative().optional(),
      /** Federation: the hops before this hub (as accepted); the sender on appends its own. */
      trace: HopTrace.optional(),
    })
    .refine((r) => (r.edxml === undefined) !== (r.chunks === undefined), {
      message: "exactly one of edxml and chunks",
    }),
  /** The chunk's bytes are the reply's body. */
  "inbox.fetchChunk": z.object({}),
  "inbox.ack": z.object({ item: InboxItem }),
} as const;
