import type { Agency } from "@edoc/directory";
import { agenciesFromQd20, type SyncPlan, syncPlan } from "@edoc/federation";
import { loadFederationConfig } from "@edoc/runtime";
import { VdxpClient } from "@edoc/vdxp-client";
import { BUS_OPTIONS, callHubArchive, timeoutOf } from "../archive-rpc.js";
import { CliError, parseCommandArgs } from "../command.js";

export const SYNC_USAGE =
  "directory sync [--dry-run] [--json]   merge the upstream hub's agencies (local entries win)";
export const SYNC_HELP = `Reads getAgenciesListQD20 from the upstream (EDOC_UPSTREAM_URL, EDOC_UPSTREAM_SYSTEM_ID,
EDOC_UPSTREAM_SECRET_FILE, EDOC_UPSTREAM_CA…: the gateway's own settings) and merges it into
this hub's directory: the hub's own entries are never changed; agencies it learns get hub
"upstream" (their letters go up the link), with the upstream's validity dates and successors.
Each edit is one directory change with its receipt (actor upstream-sync). --dry-run prints
the plan only. Exit 1 when an edit was refused, 2 the hub or the upstream unreachable.`;

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** `edoc directory sync`: the same merge the gateway's link runs every EDOC_UPSTREAM_SYNC_MS. */
export async function syncCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: { "dry-run": { type: "boolean" }, json: { type: "boolean" }, ...BUS_OPTIONS },
  });
  const federation = loadFederationConfig();
  const u = federation.upstream;
  if (!u) throw new CliError("no upstream: set EDOC_UPSTREAM_URL (and its system id and secret)");
  const upstream = new VdxpClient({
    endpoint: u.endpoint,
    systemId: u.systemId,
    secret: u.secret,
    timeoutMs: u.timeoutMs,
    ...(u.ca ? { ca: u.ca } : {}),
    ...(u.cert && u.key ? { cert: u.cert, key: u.key } : {}),
  });
  const at = { amqp: values.amqp, prefix: values.prefix };
  const timeout = timeoutOf(values.timeout, 30_000);
  let rows: Awaited<ReturnType<VdxpClient["getAgenciesListQD20"]>>;
  try {
    rows = await upstream.getAgenciesListQD20();
  } catch (err) {
    throw new CliError(`the upstream ${u.endpoint} did not answer: ${(err as Error).message}`, 2);
  }
  const { agencies, skipped } = agenciesFromQd20(rows);
  const snap = await callHubArchive(at, "directory.snapshot", {}, timeout);
  const plan = syncPlan((snap.agencies ?? []) as Agency[], agencies, skipped);
  const refused: { id: string; message: string }[] = [];
  let applied = 0;
  if (!values["dry-run"]) {
    for (const change of plan.edits) {
      try {
        await callHubArchive(at, "directory.change", { change, actor: "upstream-sync" }, timeout);
        applied++;
      } catch (err) {
        if (!(err instanceof CliError) || err.exitCode !== 1) throw err;
        refused.push({ id: change.agency.id, message: err.message });
      }
    }
  }
  const report = { dryRun: values["dry-run"] ?? false, ...plan, applied, refused };
  print(values.json ? JSON.stringify(report, null, 2) : describe(report));
  return refused.length > 0 ? 1 : 0;
}

function describe(r: SyncPlan & { dryRun: boolean; applied: number; refused: unknown[] }): string {
  const lines = r.edits.map(
    (e) => `${r.dryRun ? "would " : ""}${e.op} ${e.agency.id} ${e.agency.name}`,
  );
  lines.push(
    `${r.dryRun ? "dry run: " : ""}${r.edits.length} edits (${r.applied} applied, ${r.refused.length} refused), ${r.unchanged} unchanged, ${r.keptLocal.length} kept local, ${r.skipped.length} skipped`,
  );
  return lines.join("\n");
}
