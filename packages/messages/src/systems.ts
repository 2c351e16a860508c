/**
 * Agency systems of the national axis protocol (VDXP listener) and the registration requests
 * they file: archive RPC `systems.*` and `registrations.*`. Operators' methods (CLI, console)
 * and the gateway's lookup; no `actingFor`.
 */
import { z } from "zod";
import { isoTime, organId } from "./primitives.js";

/** As the SDK configures it, e.g. `vxp.saas.03`: letters, digits, `.`, `_`, `-`. */
export const SystemId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "system id");
/** AES-256-GCM sealed secret (@edoc/vdxp sealSecret): never the secret itself. */
const sealed = z.string().min(20).max(1000);

/** A system as operators see it: never its secret. */
export const SystemView = z.object({
  systemId: SystemId,
  name: z.string().optional(),
  /** the OrganIds whose mailboxes it holds (it may send, read and acknowledge for them) */
  organIds: z.array(organId),
  enabled: z.boolean(),
  requireMtls: z.boolean(),
  /**
   * A downstream hub (liên thông giữa các trục), not an agency system: it takes the
   * deliveries whose `hub` is its systemid and may send letters of agencies this hub does not
   * serve. Absent = false.
   */
  peerHub: z.boolean().optional(),
  createdAt: isoTime,
  updatedAt: isoTime,
  secretRotatedAt: isoTime,
});
export type SystemView = z.infer<typeof SystemView>;

/** What the gateway needs to authenticate it: the view plus the sealed secret. */
export const SystemAuth = SystemView.extend({ sealedSecret: sealed });
export type SystemAuth = z.infer<typeof SystemAuth>;

export const RegistrationKind = z.enum(["register", "delete"]);
export const RegistrationState = z.enum(["pending", "approved", "refused"]);

/** registerAgency / deleteAgency as filed by a system; an operator decides (console). */
export const Registration = z.object({
  id: z.string(),
  systemId: SystemId,
  kind: RegistrationKind,
  /** the agency code it is about (registerAgency `code`, deleteAgency `AgencyCode`) */
  code: z.string().min(1).max(64),
  name: z.string().max(500).optional(),
  parentCode: z.string().max(64).optional(),
  mail: z.string().max(200).optional(),
  mobile: z.string().max(50).optional(),
  fax: z.string().max(50).optional(),
  requestedAt: isoTime,
  state: RegistrationState,
  decidedAt: isoTime.optional(),
  decidedBy: z.string().optional(),
  reason: z.string().optional(),
  /** approved: the directory change was applied (`directory.change`), or why not */
  applied: z.boolean().optional(),
  appliedNote: z.string().optional(),
});
export type Registration = z.infer<typeof Registration>;

export const SystemsRpcParams = {
  "systems.add": z
    .object({
      systemId: SystemId,
      name: z.string().max(200).optional(),
      /** at least one, except for a peer hub (its mailboxes are the directory's `hub`) */
      organIds: z.array(organId).max(1000),
      sealedSecret: sealed,
      requireMtls: z.boolean().default(false),
      peerHub: z.boolean().default(false),
    })
    .refine((p) => p.peerHub || p.organIds.length > 0, {
      message: "an agency system holds at least one OrganId",
      path: ["organIds"],
    }),
  "systems.list": z.object({}),
  "systems.get": z.object({ systemId: SystemId }),
  /** Any of: a new sealed secret (rotation), enabled, requireMtls, the full OrganId list. */
  "systems.update": z.object({
    systemId: SystemId,
    sealedSecret: sealed.optional(),
    enabled: z.boolean().optional(),
    requireMtls: z.boolean().optional(),
    organIds: z.array(organId).min(1).max(1000).optional(),
  }),
  /** Moves one agency's mailbox to another system. */
  "systems.move": z.object({ organId, to: SystemId }),
  "registrations.create": Registration.pick({
    systemId: true,
    kind: true,
    code: true,
    name: true,
    parentCode: true,
    mail: true,
    mobile: true,
    fax: true,
  }),
  "registrations.list": z.object({
    state: RegistrationState.optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  }),
  "registrations.get": z.object({ id: z.string().min(1).max(100) }),
  /**
   * An operator's decision, once. `applied`/`appliedNote`: whether the approved change is in
   * the directory now (the console applies it first), or why not.
   */
  "registrations.decide": z.object({
    id: z.string().min(1).max(100),
    decision: z.enum(["approve", "refuse"]),
    actor: z.string().min(1).max(100),
    reason: z.string().max(1000).optional(),
    applied: z.boolean().optional(),
    appliedNote: z.string().max(1000).optional(),
  }),
} as const;

export const SystemsRpcResults = {
  "systems.add": z.object({ system: SystemView }),
  "systems.list": z.object({ systems: z.array(SystemView) }),
  "systems.get": z.object({ system: SystemAuth.nullable() }),
  "systems.update": z.object({ system: SystemView }),
  "systems.move": z.object({ from: SystemId.optional(), system: SystemView }),
  "registrations.create": z.object({ registration: Registration }),
  "registrations.list": z.object({ registrations: z.array(Registration) }),
  "registrations.get": z.object({ registration: Registration }),
  "registrations.decide": z.object({ registration: Registration }),
} as const;
