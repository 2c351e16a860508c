/**
 * Federation (liên thông giữa các trục): what travels between hubs beside the signed bytes.
 * The sender's XML-DSig covers the whole edXML (`Reference URI=""`), TraceHeaderList included,
 * so a hub never writes into the packet: its hop entry rides beside it (the VDXP header
 * `x-edoc-trace` on sendEdoc and getEdoc) and in its own receipts.
 */
import { z } from "zod";
import { isoTime } from "./primitives.js";

/** A peer hub's id: a VDXP systemid, or `upstream` for this hub's upstream link. */
export const HubId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, "a hub id (1-64 of A-Z a-z 0-9 . _ -)");
export type HubId = z.infer<typeof HubId>;

/** One hop: the hub (its EDOC_HUB_ID) that accepted the packet, and when (TraceHeader). */
export const TraceEntry = z.strictObject({ hub: HubId, at: isoTime });
export type TraceEntry = z.infer<typeof TraceEntry>;

/** The hops a packet made before this hub, oldest first; bounded (the hop limit is lower). */
export const HopTrace = z.array(TraceEntry).max(32);
export type HopTrace = z.infer<typeof HopTrace>;
