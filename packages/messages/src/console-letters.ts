import { z } from "zod";
import { Trace } from "./documents.js";
import { HubId } from "./federation.js";
import { DeliveryState, InboxItem } from "./inbox.js";
import { DocType, PacketKind } from "./packets.js";
import { isoTime, organId } from "./primitives.js";

/**
 * The operators' console (services/console). It authenticates its own users, so these methods
 * take no `actingFor`: they read every letter. Only `console.redrive` changes anything.
 */
export const ConsoleRecipient = z.object({
  recipient: organId,
  addressedTo: organId,
  deliveryId: z.string().optional(),
  /**
   * a delivery state, or `returned` (the router, or the peer hub its delivery went to,
   * returned this recipient to the sender)
   */
  state: z.string(),
  lastStatus: z.string().optional(),
  /** federation: the peer hub this recipient's delivery went to */
  hub: HubId.optional(),
});
export const ConsoleLetter = z.object({
  hubDocumentId: z.string(),
  documentId: z.string(),
  kind: PacketKind,
  docType: DocType,
  from: organId,
  to: z.array(organId),
  subject: z.string().optional(),
  code: z.string().optional(),
  priority: z.number().optional(),
  receivedAt: isoTime,
  /** pending | planned | dead-lettered */
  routeState: z.string(),
  recipients: z.array(ConsoleRecipient),
});
export type ConsoleLetter = z.infer<typeof ConsoleLetter>;

/** Search filters (`console.search`): letter-level states and the deliveries' states. */
export const ConsoleSearchState = z.enum([
  "pending",
  "dead-lettered",
  ...DeliveryState.options,
  "returned",
]);
export type ConsoleSearchState = z.infer<typeof ConsoleSearchState>;

export const StuckReason = z.enum([
  "not-fetched",
  "not-acknowledged",
  "urgent-overdue",
  "no-reception-status",
]);
export type StuckReason = z.infer<typeof StuckReason>;

/** A delivery as the inbox lists it, with whom it was addressed to and why it is stuck. */
export const StuckDelivery = InboxItem.pick({
  deliveryId: true,
  hubDocumentId: true,
  documentId: true,
  docType: true,
  subject: true,
  from: true,
  recipient: true,
  priority: true,
  state: true,
  availableAt: true,
  fetchedAt: true,
  /** status packets: the code they carry */
  statusCode: true,
}).extend({
  addressedTo: organId,
  lastStatus: z.string().optional(),
  reasons: z.array(StuckReason).min(1),
});
export type StuckDelivery = z.infer<typeof StuckDelivery>;

export const ConsoleDeadLetter = z.object({
  id: z.string(),
  messageId: z.string(),
  originQueue: z.string(),
  reason: z.string(),
  error: z.string().optional(),
  deadAt: z.string().optional(),
  at: isoTime,
  receiptId: z.string().optional(),
  /** the packet the message was about, when its body names one */
  hubDocumentId: z.string().optional(),
  /** the body as text (cut at 2000 characters) and its full size */
  body: z.string(),
  bodyBytes: z.number().int().nonnegative(),
  /** the origin is a work queue this hub can publish to again */
  redrivable: z.boolean(),
  redrivenAt: isoTime.optional(),
  redrivenBy: z.string().optional(),
  redriveReceiptId: z.string().optional(),
});
export type ConsoleDeadLetter = z.infer<typeof ConsoleDeadLetter>;

/** The console's archive RPC methods (part of `RpcParams` / `RpcResults`). */
export const ConsoleRpcParams = {
  "console.search": z.object({
    /** hubDocumentId, or part of a DocumentId (case-insensitive) */
    documentId: z.string().min(1).max(1024).optional(),
    /** part of số/ký hiệu (case-insensitive) */
    code: z.string().min(1).max(100).optional(),
    from: z.array(organId).max(10_000).optional(),
    /** addressed or final recipients */
    to: z.array(organId).max(10_000).optional(),
    /** accepted at or after / before (the hub's clock) */
    since: isoTime.optional(),
    until: isoTime.optional(),
    state: ConsoleSearchState.optional(),
    /** some recipient reported this business status */
    status: z
      .string()
      .regex(/^\d{2}$/)
      .optional(),
    limit: z.number().int().min(1).max(500).default(100),
  }),
  "console.trace": z.object({ id: z.string().min(1).max(1024) }),
  "console.stuck": z.object({
    /** only deliveries made available since then */
    since: isoTime,
    /** available before this and not fetched */
    notFetchedBefore: isoTime,
    /** fetched before this and not acknowledged */
    notAcknowledgedBefore: isoTime,
    /** letters of this priority or more, available before this and not acknowledged */
    urgent: z
      .array(z.object({ priority: z.number().int().min(1).max(4), availableBefore: isoTime }))
      .max(4),
    /** letters available before this whose recipient reported neither 01 nor 03 (nor later) */
    receptionDueBefore: isoTime,
    limit: z.number().int().min(1).max(1000).default(500),
  }),
  "console.deadLetters": z.object({
    state: z.enum(["open", "redriven", "all"]).default("open"),
    limit: z.number().int().min(1).max(1000).default(200),
  }),
  "console.redrive": z.object({
    deadLetterId: z.string().min(1).max(2100),
    /** the console user, written into the `redriven` receipt */
    by: z.string().min(1).max(100),
  }),
} as const;
export type ConsoleRpcMethod = keyof typeof ConsoleRpcParams;

export const ConsoleRpcResults = {
  "console.search": z.object({ letters: z.array(ConsoleLetter), truncated: z.boolean() }),
  "console.trace": z.object({ letter: ConsoleLetter, trace: Trace }),
  "console.stuck": z.object({ items: z.array(StuckDelivery), truncated: z.boolean() }),
  "console.deadLetters": z.object({ items: z.array(ConsoleDeadLetter), truncated: z.boolean() }),
  "console.redrive": z.object({
    outcome: z.enum(["redriven", "already-redriven"]),
    deadLetter: ConsoleDeadLetter,
    receiptId: z.string(),
  }),
} as const;
