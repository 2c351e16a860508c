import { readFileSync, writeFileSync } from "node:fs";
import {
  type Agency,
  Directory,
  DirectoryError,
  importTayNinhTsv,
  isDirectoryTsv,
  isTier,
  type OrganId,
  parseDirectoryJson,
  parseDirectoryTsv,
  parseOrganId,
  TIERS,
  toDirectoryJson,
} from "@edoc/directory";
import type { DirectoryChange, DirectoryChangeRecord } from "@edoc/messages";
import { vietnamDay } from "@edoc/vntime";
import { BUS_OPTIONS, callHubArchive, timeoutOf } from "../archive-rpc.js";
import {
  CliError,
  type Command,
  commandGroup,
  parseCommandArgs,
  required,
  UsageError,
} from "../command.js";
import { SYNC_HELP, SYNC_USAGE, syncCommand } from "./directory-sync.js";

const HUB_HELP = `Asks the running hub's archive over the bus (RPC directory.*): --amqp defaults to
$EDOC_AMQP_URL, --prefix to $EDOC_BUS_PREFIX, --timeout to 30000 ms. Exit 2 the hub unreachable.`;
const CHANGE_HELP = `${HUB_HELP}
Days are Vietnam calendar days (yyyy-mm-dd). The change becomes a new directory version with a
receipt naming its actor (--actor, else $USER); every service uses it within seconds. A change
already in force answers "unchanged" (exit 0); one the directory cannot take exits 1
(DIRECTORY_INVALID, DIRECTORY_CHANGE_INVALID).`;

/**
 * `edoc directory`: the hub's agency directory, read and changed live through the archive (RPC
 * `directory.*` over the bus, like `edoc evidence export`).
 */
export const directoryCommand: Command = commandGroup({
  name: "directory",
  summary: "the agency directory of a running hub: list, show, add, close, import, export, sync",
  subcommands: [
    {
      name: "list",
      usage:
        "directory list [--at DAY] [--tier T] [--search TEXT] [--json]   agencies valid that day",
      help: HUB_HELP,
      run: list,
    },
    {
      name: "show",
      usage: "directory show ORGANID [--json]   its periods, where its letters go, its changes",
      help: `${HUB_HELP}\nExit 1 when the id was never in the directory.`,
      run: show,
    },
    {
      name: "add",
      usage:
        "directory add ORGANID --name NAME --tier T [--parent ORGANID] [--from DAY] [--email E] [--actor WHO]",
      help: `A new period of an agency, valid from DAY (default today). T is one of ${TIERS.join(", ")}.\n${CHANGE_HELP}`,
      run: add,
    },
    {
      name: "close",
      usage: "directory close ORGANID [--successor ORGANID] [--on DAY] [--actor WHO]",
      help: `Ends the agency's latest period on DAY (exclusive; default today); letters addressed to it
then go to the successor.\n${CHANGE_HELP}`,
      run: close,
    },
    {
      name: "import",
      usage: "directory import FILE [--valid-from DAY] [--actor WHO]   replace the whole set",
      help: `FILE is edoc-directory/1 JSON, a TSV whose header names the JSON fields, or the Tây Ninh
list (code<TAB>name; its periods start on --valid-from, default 2021-01-01). The whole set is
replaced: export, edit, import.\n${CHANGE_HELP}`,
      run: importFile,
    },
    {
      name: "export",
      usage: "directory export [-o FILE.json]   the whole set, every period",
      help: HUB_HELP,
      run: exportFile,
    },
    { name: "sync", usage: SYNC_USAGE, help: SYNC_HELP, run: syncCommand },
  ],
});

const changeOptions = { ...BUS_OPTIONS, actor: { type: "string" } } as const;

interface ArchiveTarget {
  amqp?: string | undefined;
  prefix?: string | undefined;
  timeout?: string | undefined;
}

/** An archive RPC of this command, over the bus (30 s unless --timeout). */
function callArchive<M extends Parameters<typeof callHubArchive>[1]>(
  target: ArchiveTarget,
  method: M,
  params: Parameters<typeof callHubArchive<M>>[2],
) {
  const at = { amqp: target.amqp, prefix: target.prefix };
  return callHubArchive(at, method, params, timeoutOf(target.timeout, 30_000));
}

function organId(raw: string, what: string): OrganId {
  try {
    return parseOrganId(raw, what);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function day(raw: string | undefined, what: string): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) throw new UsageError(`${what} must be a day yyyy-mm-dd`);
  return raw;
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function change(
  values: ArchiveTarget & { actor?: string | undefined },
  change: DirectoryChange,
): Promise<number> {
  const actor = values.actor ?? process.env.USER ?? process.env.LOGNAME;
  if (!actor) throw new UsageError("missing --actor WHO (or set $USER)");
  const r = await callArchive(values, "directory.change", { change, actor });
  print(
    r.outcome === "unchanged"
      ? `unchanged: already in force in version ${r.version}`
      : `directory version ${r.version}: ${describe(r.record)}`,
  );
  return 0;
}

function describe(r: DirectoryChangeRecord): string {
  const counts = [`${r.added.length} added`, `${r.changed.length} changed`];
  if (r.removed.length > 0) counts.push(`${r.removed.length} removed`);
  const ids = [...r.added, ...r.changed, ...r.removed];
  const named = ids.length > 0 && ids.length <= 5 ? ` (${ids.join(", ")})` : "";
  return `${r.op} by ${r.actor} at ${r.at}${r.source ? ` from ${r.source}` : ""}: ${counts.join(", ")}${named}; receipt ${r.receiptId ?? "pending"}`;
}

async function add(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    options: {
      ...changeOptions,
      name: { type: "string" },
      tier: { type: "string" },
      parent: { type: "string" },
      from: { type: "string" },
      email: { type: "string" },
    },
    positionals: ["ORGANID"],
  });
  const id = organId(positionals[0] ?? "", "ORGANID");
  const name = required(values.name, "--name NAME");
  const tier = required(values.tier, "--tier T");
  if (!isTier(tier)) throw new UsageError(`--tier must be one of ${TIERS.join(", ")}`);
  const agency = {
    id,
    name,
    tier,
    ...(values.parent ? { parent: organId(values.parent, "--parent") } : {}),
    // Validity days are Vietnam calendar days: "from today" is today in Hà Nội.
    validFrom: day(values.from, "--from") ?? vietnamDay(new Date()),
    ...(values.email ? { email: values.email } : {}),
  };
  return change(values, { op: "add", agency });
}

async function close(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    options: { ...changeOptions, successor: { type: "string" }, on: { type: "string" } },
    positionals: ["ORGANID"],
  });
  const id = organId(positionals[0] ?? "", "ORGANID");
  const validTo = day(values.on, "--on");
  return change(values, {
    op: "close",
    id,
    ...(validTo ? { validTo } : {}),
    ...(values.successor ? { successor: organId(values.successor, "--successor") } : {}),
  });
}

/** Agencies from a file: `edoc-directory/1` JSON, a header-led TSV, or Tây Ninh's `code<TAB>name`. */
function readAgencies(file: string, validFrom: string | undefined): Agency[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2);
  }
  try {
    if (/^\s*[{[]/.test(text)) return parseDirectoryJson(JSON.parse(text));
    if (isDirectoryTsv(text)) return parseDirectoryTsv(text);
    const r = importTayNinhTsv(text, validFrom ? { validFrom } : {});
    for (const s of r.skipped) process.stderr.write(`skipped line ${s.line}: ${s.reason}\n`);
    return r.agencies;
  } catch (err) {
    if (err instanceof DirectoryError || err instanceof SyntaxError) {
      throw new CliError(`${file}: ${err.message}`, 2);
    }
    throw err;
  }
}

async function importFile(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    options: { ...changeOptions, "valid-from": { type: "string" } },
    positionals: ["FILE"],
  });
  const file = positionals[0] ?? "";
  const agencies = readAgencies(file, day(values["valid-from"], "--valid-from"));
  const source = (file.split("/").at(-1) ?? file).slice(0, 200);
  return change(values, { op: "import", agencies, source });
}

async function snapshot(target: ArchiveTarget): Promise<Directory> {
  const snap = await callArchive(target, "directory.snapshot", {});
  return Directory.fromAgencies((snap.agencies ?? []) as Agency[]);
}

function row(a: Agency): string {
  const validity = `${a.validFrom}…${a.validTo ?? ""}`;
  const successor = a.successor ? ` → ${a.successor}` : "";
  return `${a.id}  ${a.tier.padEnd(10)} ${validity.padEnd(22)} ${a.name}${successor}`;
}

async function list(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: {
      ...BUS_OPTIONS,
      at: { type: "string" },
      tier: { type: "string" },
      search: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const at = day(values.at, "--at");
  const directory = await snapshot(values);
  const needle = values.search?.toLocaleLowerCase("vi");
  // Noon in Hà Nội: the same calendar day whichever day lookups use.
  const when = at ? new Date(`${at}T12:00:00+07:00`) : new Date();
  const rows = directory
    .list(when)
    .filter((a) => !values.tier || a.tier === values.tier)
    .filter(
      (a) => !needle || a.id.includes(needle) || a.name.toLocaleLowerCase("vi").includes(needle),
    );
  print(values.json ? JSON.stringify(rows, null, 2) : rows.map(row).join("\n"));
  return 0;
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    options: { ...BUS_OPTIONS, json: { type: "boolean" } },
    positionals: ["ORGANID"],
  });
  const id = organId(positionals[0] ?? "", "ORGANID");
  const directory = await snapshot(values);
  const periods = directory.history(id);
  const { changes } = await callArchive(values, "directory.history", { id, limit: 50 });
  if (periods.length === 0 && changes.length === 0) {
    throw new CliError(`${id} is not in the directory and never was`, 1);
  }
  const resolution = periods.length > 0 ? directory.resolve(id) : undefined;
  if (values.json) {
    print(JSON.stringify({ id, periods, resolution, changes }, null, 2));
    return 0;
  }
  for (const p of periods) print(row(p));
  if (resolution?.status === "active" && resolution.via.length > 0) {
    print(`letters to ${id} go to ${resolution.agency.id} (via ${resolution.via.join(" → ")})`);
  } else if (resolution && resolution.status !== "active") {
    print(`letters to ${id} are returned: ${resolution.status}`);
  }
  print("history");
  for (const c of changes) print(`  version ${c.version}: ${describe(c)}`);
  return 0;
}

/** The whole current set (every period) as `edoc-directory/1`: edit it, then import it back. */
async function exportFile(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: { ...BUS_OPTIONS, output: { type: "string", short: "o" } },
  });
  const text = `${JSON.stringify(toDirectoryJson((await snapshot(values)).all()), null, 2)}\n`;
  if (!values.output) {
    process.stdout.write(text);
    return 0;
  }
  try {
    writeFileSync(values.output, text);
  } catch (err) {
    throw new CliError(`cannot write ${values.output}: ${(err as Error).message}`, 2);
  }
  return 0;
}
