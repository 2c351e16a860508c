import type { Bus } from "@edoc/bus";
import type { Logger } from "@edoc/runtime";
import type { Blobs } from "./blobs.js";
import type { Collections, PacketDoc } from "./collections.js";
import type { DirectoryVersions } from "./directory-store.js";
import type { Ledger } from "./ledger.js";
import type { LeaseLocks } from "./lock.js";

/** What every handler needs; built once by createArchive. */
export interface Ctx {
  c: Collections;
  blobs: Blobs;
  ledger: Ledger;
  /** The agency directory's versions (directory.ts). */
  directory: DirectoryVersions;
  bus: Bus;
  log: Logger;
  /**
   * Lease locks shared by every archive instance (lock.ts): accept and reconcile work on one
   * packet (by dedupe key), statuses of one reporter about one letter (`status:…`), directory
   * changes and re-drives. A delivery's state changes need none (deliveries.ts).
   */
  locks: LeaseLocks;
  reconcileMs: number;
  /** Packet rows this instance inserted, for the fields that never change (`packetFacts`). */
  recentPackets: Map<string, PacketDoc>;
}

/** Rows kept in `recentPackets`, the oldest dropped first. */
const RECENT_PACKETS = 5_000;

/** Remembers a packet row this instance inserted (complete, as stored). */
export function rememberPacket(ctx: Ctx, row: PacketDoc): void {
  ctx.recentPackets.delete(row._id);
  ctx.recentPackets.set(row._id, structuredClone(row));
  if (ctx.recentPackets.size > RECENT_PACKETS) {
    const oldest = ctx.recentPackets.keys().next().value;
    if (oldest !== undefined) ctx.recentPackets.delete(oldest);
  }
}

/**
 * A complete packet, for the fields written once with its row (kind, docType, from, documentId,
 * subject, status, priority, digest, refersTo, receiptId): from memory when this instance
 * inserted it (the plan usually follows its accept within milliseconds), else read. Never for
 * the fields plans, statuses and purges change (`deliveries`, `answers`, `routeState`,
 * `purgedAt`): another archive instance may have changed them.
 */
export async function packetFacts(ctx: Ctx, hubDocumentId: string): Promise<PacketDoc | null> {
  const kept = ctx.recentPackets.get(hubDocumentId);
  if (kept) return structuredClone(kept);
  return ctx.c.packets.findOne({ _id: hubDocumentId });
}

/** Now, as receipts and messages write instants: ISO-8601 UTC with milliseconds. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** Any ISO-8601 instant (with offset) in the receipts' form; throws on garbage. */
export function toIsoUtc(s: string): string {
  const t = new Date(s);
  if (Number.isNaN(t.getTime())) throw new Error(`not an instant: ${s}`);
  return t.toISOString();
}

/** A copy without `undefined` properties: MongoDB would store them as null. */
export function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}
