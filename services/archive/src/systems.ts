import { randomBytes } from "node:crypto";
import { RpcError } from "@edoc/bus";
import type { Registration, RpcParamsOf, RpcResultOf, SystemView } from "@edoc/messages";
import { isDuplicateKeyError } from "@edoc/store";
import type { RegistrationDoc, SystemDoc } from "./collections.js";
import { type Ctx, compact, nowIso } from "./context.js";

// Agency systems of the VDXP listener (systemid + secret) and the mailboxes they hold. A mailbox
// row per OrganId (`_id`) makes "one system per mailbox" hold under concurrent operators.

async function organsOf(ctx: Ctx, systemId: string): Promise<string[]> {
  const rows = await ctx.c.mailboxes.find({ systemId }).toArray();
  return rows.map((r) => r._id).sort();
}

function view(s: SystemDoc, organIds: string[]): SystemView {
  return compact({
    systemId: s._id,
    name: s.name,
    organIds,
    enabled: s.enabled,
    requireMtls: s.requireMtls,
    ...(s.peerHub ? { peerHub: true } : {}),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    secretRotatedAt: s.secretRotatedAt,
  });
}

async function mustFind(ctx: Ctx, systemId: string): Promise<SystemDoc> {
  const s = await ctx.c.systems.findOne({ _id: systemId });
  if (!s) throw new RpcError("SYSTEM_UNKNOWN", `no system ${JSON.stringify(systemId)}`, 404);
  return s;
}

/** Claims mailboxes for `systemId`; refuses (and undoes its claims) if one is another's. */
async function claim(ctx: Ctx, systemId: string, organIds: readonly string[]): Promise<void> {
  const claimed: string[] = [];
  for (const organId of new Set(organIds)) {
    try {
      await ctx.c.mailboxes.insertOne({ _id: organId, systemId });
      claimed.push(organId);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const holder = await ctx.c.mailboxes.findOne({ _id: organId });
      if (holder?.systemId === systemId) continue;
      if (claimed.length > 0) await ctx.c.mailboxes.deleteMany({ _id: { $in: claimed } });
      throw new RpcError(
        "MAILBOX_TAKEN",
        `${organId}'s mailbox is held by system ${holder?.systemId ?? "?"}; move it with \`edoc system move\``,
        409,
      );
    }
  }
}

export async function addSystem(
  ctx: Ctx,
  p: RpcParamsOf<"systems.add">,
): Promise<RpcResultOf<"systems.add">> {
  const now = nowIso();
  await claim(ctx, p.systemId, p.organIds);
  const doc: SystemDoc = compact({
    _id: p.systemId,
    name: p.name,
    sealedSecret: p.sealedSecret,
    enabled: true,
    requireMtls: p.requireMtls,
    ...(p.peerHub ? { peerHub: true } : {}),
    createdAt: now,
    updatedAt: now,
    secretRotatedAt: now,
  });
  try {
    await ctx.c.systems.insertOne(doc);
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    throw new RpcError("SYSTEM_EXISTS", `system ${p.systemId} exists already`, 409);
  }
  ctx.log.info({ systemId: p.systemId, organIds: p.organIds, peerHub: p.peerHub }, "system added");
  return { system: view(doc, await organsOf(ctx, p.systemId)) };
}

export async function listSystems(ctx: Ctx): Promise<RpcResultOf<"systems.list">> {
  const [systems, mailboxes] = await Promise.all([
    ctx.c.systems.find({}).toArray(),
    ctx.c.mailboxes.find({}).toArray(),
  ]);
  const organs = new Map<string, string[]>();
  for (const m of mailboxes) organs.set(m.systemId, [...(organs.get(m.systemId) ?? []), m._id]);
  return {
    systems: systems
      .sort((a, b) => a._id.localeCompare(b._id))
      .map((s) => view(s, (organs.get(s._id) ?? []).sort())),
  };
}

export async function getSystem(
  ctx: Ctx,
  p: RpcParamsOf<"systems.get">,
): Promise<RpcResultOf<"systems.get">> {
  const s = await ctx.c.systems.findOne({ _id: p.systemId });
  if (!s) return { system: null };
  return { system: { ...view(s, await organsOf(ctx, s._id)), sealedSecret: s.sealedSecret } };
}

export async function updateSystem(
  ctx: Ctx,
  p: RpcParamsOf<"systems.update">,
): Promise<RpcResultOf<"systems.update">> {
  await mustFind(ctx, p.systemId);
  const now = nowIso();
  if (p.organIds) {
    await claim(ctx, p.systemId, p.organIds);
    await ctx.c.mailboxes.deleteMany({ systemId: p.systemId, _id: { $nin: p.organIds } });
  }
  const set: Partial<SystemDoc> = compact({
    updatedAt: now,
    enabled: p.enabled,
    requireMtls: p.requireMtls,
    ...(p.sealedSecret ? { sealedSecret: p.sealedSecret, secretRotatedAt: now } : {}),
  });
  await ctx.c.systems.updateOne({ _id: p.systemId }, { $set: set });
  const changed = Object.keys(set).filter((k) => k !== "updatedAt" && k !== "sealedSecret");
  ctx.log.info({ systemId: p.systemId, changed, organIds: p.organIds }, "system updated");
  const s = await mustFind(ctx, p.systemId);
  return { system: view(s, await organsOf(ctx, s._id)) };
}

export async function moveMailbox(
  ctx: Ctx,
  p: RpcParamsOf<"systems.move">,
): Promise<RpcResultOf<"systems.move">> {
  const target = await mustFind(ctx, p.to);
  const before = await ctx.c.mailboxes.findOne({ _id: p.organId });
  if (before) await ctx.c.mailboxes.updateOne({ _id: p.organId }, { $set: { systemId: p.to } });
  else await claim(ctx, p.to, [p.organId]);
  ctx.log.info({ organId: p.organId, from: before?.systemId, to: p.to }, "mailbox moved");
  return compact({
    from: before?.systemId,
    system: view(target, await organsOf(ctx, p.to)),
  });
}

function registration(d: RegistrationDoc): Registration {
  const { _id, ...rest } = d;
  return { id: _id, ...rest };
}

export async function createRegistration(
  ctx: Ctx,
  p: RpcParamsOf<"registrations.create">,
): Promise<RpcResultOf<"registrations.create">> {
  const doc: RegistrationDoc = compact({
    ...p,
    _id: `reg_${randomBytes(8).toString("hex")}`,
    requestedAt: nowIso(),
    state: "pending" as const,
  });
  await ctx.c.registrations.insertOne(doc);
  ctx.log.info({ registration: doc._id, systemId: p.systemId, kind: p.kind }, "registration filed");
  return { registration: registration(doc) };
}

export async function listRegistrations(
  ctx: Ctx,
  p: RpcParamsOf<"registrations.list">,
): Promise<RpcResultOf<"registrations.list">> {
  const rows = await ctx.c.registrations
    .find(p.state ? { state: p.state } : {}, { sort: { requestedAt: -1 }, limit: p.limit })
    .toArray();
  return { registrations: rows.map(registration) };
}

export async function getRegistration(
  ctx: Ctx,
  p: RpcParamsOf<"registrations.get">,
): Promise<RpcResultOf<"registrations.get">> {
  const d = await ctx.c.registrations.findOne({ _id: p.id });
  if (!d) throw new RpcError("REGISTRATION_UNKNOWN", `no registration request ${p.id}`, 404);
  return { registration: registration(d) };
}

/** An operator's decision on a pending request, with whether the change reached the directory. */
export async function decideRegistration(
  ctx: Ctx,
  p: RpcParamsOf<"registrations.decide">,
): Promise<RpcResultOf<"registrations.decide">> {
  const now = nowIso();
  const set = compact({
    state: p.decision === "approve" ? ("approved" as const) : ("refused" as const),
    decidedAt: now,
    decidedBy: p.actor,
    reason: p.reason,
    ...(p.decision === "approve"
      ? { applied: p.applied ?? false, appliedNote: p.appliedNote }
      : {}),
  });
  // Only a pending request changes: a second decision (another operator, a replay) is refused.
  const r = await ctx.c.registrations.updateOne({ _id: p.id, state: "pending" }, { $set: set });
  if (r.matchedCount === 0) {
    const d = await ctx.c.registrations.findOne({ _id: p.id });
    if (!d) throw new RpcError("REGISTRATION_UNKNOWN", `no registration request ${p.id}`, 404);
    throw new RpcError("REGISTRATION_DECIDED", `request ${p.id} was already ${d.state}`, 409);
  }
  ctx.log.info(
    { registration: p.id, decision: p.decision, actor: p.actor },
    "registration decided",
  );
  const d = await ctx.c.registrations.findOne({ _id: p.id });
  return { registration: registration(d!) };
}
