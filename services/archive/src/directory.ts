import { RpcError } from "@edoc/bus";
import {
  type Agency,
  applyEdit,
  type DirectoryEdit,
  DirectoryError,
  type EditResult,
  type OrganId,
} from "@edoc/directory";
import type { DirectoryChange, DirectoryOp, RpcParamsOf, RpcResultOf } from "@edoc/messages";
import { canonicalJson, sha256Hex } from "@edoc/receipts";
import { vietnamDay } from "@edoc/vntime";
import { type Ctx, nowIso } from "./context.js";
import type { DirectoryVersionDoc } from "./directory-store.js";
import { asOrganId } from "./ledger.js";

/** Commit attempts of one change when other archives keep taking the next version first. */
const MAX_ATTEMPTS = 5;
/** Ids written into a receipt's data (the full lists are in the version's history entry). */
const RECEIPT_IDS = 40;

function toEdit(change: DirectoryChange, today: string): DirectoryEdit {
  switch (change.op) {
    case "add":
    case "update":
      return { op: change.op, agency: change.agency as Agency };
    case "close":
      return {
        op: "close",
        id: change.id as OrganId,
        // Validity dates are Vietnam calendar days: closing "today" means from today in Hà Nội.
        validTo: change.validTo ?? today,
        ...(change.successor ? { successor: change.successor as OrganId } : {}),
      };
    case "import":
      return { op: "import", agencies: change.agencies as Agency[] };
  }
}

function versionDoc(
  version: number,
  op: DirectoryOp,
  actor: string,
  result: EditResult,
  source?: string,
): DirectoryVersionDoc {
  return {
    _id: version,
    op,
    actor,
    at: nowIso(),
    ...(source ? { source } : {}),
    added: result.added,
    changed: result.changed,
    removed: result.removed,
    digest: sha256Hex(canonicalJson(result.agencies)),
    agencies: result.agencies,
  };
}

/** Puts a version's `directory-changed` receipt into the chain (idempotent by its key). */
async function attest(ctx: Ctx, doc: DirectoryVersionDoc): Promise<string> {
  const ids = [...doc.added, ...doc.changed, ...doc.removed];
  const only = ids.length === 1 ? ids[0] : undefined;
  const receipt = await ctx.ledger.append(`directory:${doc._id}`, {
    type: "directory-changed",
    hubDocumentId: `directory-v${doc._id}`,
    ...(only ? { organId: asOrganId(only) } : {}),
    at: doc.at,
    digest: doc.digest,
    data: {
      version: doc._id,
      op: doc.op,
      actor: doc.actor,
      added: doc.added.length,
      changed: doc.changed.length,
      removed: doc.removed.length,
      ids: ids.slice(0, RECEIPT_IDS).join(" "),
      ...(doc.source ? { source: doc.source } : {}),
    },
  });
  await ctx.directory.setReceipt(doc._id, receipt.id);
  return receipt.id;
}

/** Commits a new version: receipt, then the broadcast every service listens to. */
async function commit(ctx: Ctx, doc: DirectoryVersionDoc): Promise<boolean> {
  if (!(await ctx.directory.insert(doc))) return false;
  const receiptId = await attest(ctx, doc);
  doc.receiptId = receiptId;
  ctx.log.info(
    { version: doc._id, op: doc.op, actor: doc.actor, receiptId, added: doc.added.length },
    "directory changed",
  );
  // News only: a service that misses it finds the version by its periodic check.
  await ctx.bus
    .broadcast("directory.changed", { version: doc._id, at: doc.at })
    .catch((err: unknown) => ctx.log.warn({ err }, "directory.changed broadcast failed"));
  return true;
}

/**
 * On start, with an empty directory: version 1 from the configured file (or the demo). Every
 * archive instance may try; the version number makes exactly one seed win. Then any version a
 * crash left without its receipt gets it.
 */
export async function seedDirectory(ctx: Ctx, seed: Agency[], source: string): Promise<void> {
  if (!(await ctx.directory.latest())) {
    const result = applyEdit([], { op: "import", agencies: seed });
    await commit(ctx, versionDoc(1, "seed", "hub", result, source));
  }
  await attestPending(ctx);
}

export async function attestPending(ctx: Ctx): Promise<void> {
  for (const doc of await ctx.directory.unattested()) await attest(ctx, doc);
}

async function currentHead(ctx: Ctx) {
  const head = await ctx.directory.head();
  if (!head) throw new RpcError("DIRECTORY_EMPTY", "the directory is not seeded yet", 503);
  return head;
}

/** RPC `directory.change`: apply, validate, commit as the next version (retrying lost races). */
export async function directoryChange(
  ctx: Ctx,
  p: RpcParamsOf<"directory.change">,
): Promise<RpcResultOf<"directory.change">> {
  // One change at a time per archive; between archives the version number decides.
  return ctx.locks.run("directory", async () => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const head = await currentHead(ctx);
      const version = head.record.version;
      if (p.expectedVersion !== undefined && p.expectedVersion !== version) {
        throw new RpcError(
          "DIRECTORY_CONFLICT",
          `the directory is at version ${version}, not ${p.expectedVersion}`,
          409,
        );
      }
      let result: EditResult;
      try {
        result = applyEdit(head.agencies, toEdit(p.change, vietnamDay(new Date())));
      } catch (err) {
        if (err instanceof DirectoryError) throw new RpcError(err.code, err.message, 422);
        throw err;
      }
      if (result.added.length + result.changed.length + result.removed.length === 0) {
        return { outcome: "unchanged" as const, version, record: head.record };
      }
      const source = p.change.op === "import" ? p.change.source : undefined;
      const doc = versionDoc(version + 1, p.change.op, p.actor, result, source);
      if (await commit(ctx, doc)) {
        const { agencies: _set, _id, ...rest } = doc;
        return { outcome: "changed" as const, version: _id, record: { version: _id, ...rest } };
      }
    }
    throw new RpcError("DIRECTORY_BUSY", "the directory kept changing; try again", 503);
  });
}

/** RPC `directory.snapshot`: the current version, with its agencies when newer than `after`. */
export async function directorySnapshot(
  ctx: Ctx,
  p: RpcParamsOf<"directory.snapshot">,
): Promise<RpcResultOf<"directory.snapshot">> {
  const latest = await ctx.directory.latest();
  if (!latest) throw new RpcError("DIRECTORY_EMPTY", "the directory is not seeded yet", 503);
  const base = { version: latest.version, at: latest.at, digest: latest.digest };
  if (p.after !== undefined && p.after >= latest.version) return base;
  const head = await currentHead(ctx);
  return {
    version: head.record.version,
    at: head.record.at,
    digest: head.record.digest,
    agencies: head.agencies,
  };
}

/** RPC `directory.history`: the changes, newest first. */
export async function directoryHistory(
  ctx: Ctx,
  p: RpcParamsOf<"directory.history">,
): Promise<RpcResultOf<"directory.history">> {
  return { changes: await ctx.directory.history(p.limit, p.id) };
}
