import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  type Agency,
  Directory,
  DirectoryError,
  importTayNinhTsv,
  isDirectoryTsv,
  parseDirectoryJson,
  parseDirectoryTsv,
  parseOrganId,
  TIERS,
  type Tier,
  toDirectoryJson,
} from "@edoc/directory";
import type { DirectoryChange, DirectoryChangeRecord } from "@edoc/messages";
import { vietnamDay } from "@edoc/vntime";
import { archiveOptions, callArchive } from "../client/archive.js";
import { CliError, type Command, parsedOrUsage } from "../command.js";

const USAGES = {
  list: "directory list [--at DAY] [--tier T] [--search TEXT] [--json]",
  show: "directory show ORGANID [--json]",
  add: "directory add ORGANID --name NAME --tier T [--parent ORGANID] [--from DAY] [--email E] [--actor WHO]",
  close: "directory close ORGANID [--successor ORGANID] [--on DAY] [--actor WHO]",
  import: "directory import FILE.json|FILE.tsv [--valid-from DAY] [--actor WHO]",
  export: "directory export [-o FILE.json]",
} as const;
type Sub = keyof typeof USAGES;
const HUB = "  (all: [--amqp URL] [--prefix P] [--timeout MS])";

/**
 * `edoc directory`: the hub's agency directory, read and changed live through the archive (RPC
 * `directory.*` over the bus, like `edoc evidence export`). Every change becomes a new version
 * with a receipt naming the actor (--actor, else $USER); gateway, router and console pick it
 * up within seconds. Exit 0 done (or already in force), 1 the archive refused, 2 bad usage.
 */
export const directoryCommand: Command = {
  name: "directory",
  usage: `${Object.values(USAGES).join("\n  ")}\n${HUB}`,
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case "list":
        return list(rest);
      case "show":
        return show(rest);
      case "add":
        return add(rest);
      case "close":
        return close(rest);
      case "import":
        return importFile(rest);
      case "export":
        return exportFile(rest);
      default:
        throw new CliError(
          `usage: edoc ${Object.values(USAGES).join("\n       edoc ")}\n${HUB}`,
          2,
        );
    }
  },
};

const changeOptions = { ...archiveOptions, actor: { type: "string" } } as const;

function one(sub: Sub, positionals: string[]): string {
  const [first, ...extra] = positionals;
  if (first === undefined || extra.length > 0) throw new CliError(`usage: edoc ${USAGES[sub]}`, 2);
  return first;
}

function organId(raw: string, what: string): string {
  try {
    return parseOrganId(raw, what);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

function day(raw: string | undefined, what: string): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) throw new CliError(`${what} must be a day yyyy-mm-dd`, 2);
  return raw;
}

function actorOf(values: { actor?: string | undefined }): string {
  const actor = values.actor ?? process.env.USER ?? process.env.LOGNAME;
  if (!actor) throw new CliError("say who makes the change: --actor NAME (or set $USER)", 2);
  return actor;
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function change(
  values: Parameters<typeof callArchive>[0] & { actor?: string | undefined },
  change: DirectoryChange,
): Promise<number> {
  const r = await callArchive(values, "directory.change", { change, actor: actorOf(values) });
  if (r.outcome === "unchanged") {
    print(`unchanged: already in force in version ${r.version}`);
    return 0;
  }
  print(`directory version ${r.version}: ${describe(r.record)}`);
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
  const { values, positionals } = parsedOrUsage(
    () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...changeOptions,
          name: { type: "string" },
          tier: { type: "string" },
          parent: { type: "string" },
          from: { type: "string" },
          email: { type: "string" },
        },
      }),
    USAGES.add,
  );
  const id = organId(one("add", positionals), "ORGANID");
  const { name, tier } = values;
  if (!name || !tier) throw new CliError(`usage: edoc ${USAGES.add}`, 2);
  if (!(TIERS as readonly string[]).includes(tier)) {
    throw new CliError(`--tier must be one of ${TIERS.join(", ")}`, 2);
  }
  const agency = {
    id,
    name,
    tier: tier as Tier,
    ...(values.parent ? { parent: organId(values.parent, "--parent") } : {}),
    // Validity days are Vietnam calendar days: "from today" is today in Hà Nội.
    validFrom: day(values.from, "--from") ?? vietnamDay(new Date()),
    ...(values.email ? { email: values.email } : {}),
  };
  return change(values, { op: "add", agency });
}

async function close(argv: string[]): Promise<number> {
  const { values, positionals } = parsedOrUsage(
    () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...changeOptions,
          successor: { type: "string" },
          on: { type: "string" },
        },
      }),
    USAGES.close,
  );
  const id = organId(one("close", positionals), "ORGANID");
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
  const { values, positionals } = parsedOrUsage(
    () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...changeOptions,
          "valid-from": { type: "string" },
        },
      }),
    USAGES.import,
  );
  const file = one("import", positionals);
  const agencies = readAgencies(file, day(values["valid-from"], "--valid-from"));
  const source = file.split("/").at(-1)?.slice(0, 200) ?? file;
  return change(values, { op: "import", agencies, source });
}

async function snapshot(values: Parameters<typeof callArchive>[0]): Promise<Directory> {
  const snap = await callArchive(values, "directory.snapshot", {});
  return Directory.fromAgencies((snap.agencies ?? []) as Agency[]);
}

function row(a: Agency): string {
  const validity = `${a.validFrom}…${a.validTo ?? ""}`;
  const successor = a.successor ? ` → ${a.successor}` : "";
  return `${a.id}  ${a.tier.padEnd(10)} ${validity.padEnd(22)} ${a.name}${successor}`;
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parsedOrUsage(
    () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...archiveOptions,
          at: { type: "string" },
          tier: { type: "string" },
          search: { type: "string" },
          json: { type: "boolean" },
        },
      }),
    USAGES.list,
  );
  if (positionals.length > 0) throw new CliError(`usage: edoc ${USAGES.list}`, 2);
  const at = day(values.at, "--at");
  const directory = await snapshot(values);
  const needle = values.search?.toLocaleLowerCase("vi");
  const rows = directory
    .list(at ? new Date(`${at}T00:00:00Z`) : new Date())
    .filter((a) => !values.tier || a.tier === values.tier)
    .filter(
      (a) => !needle || a.id.includes(needle) || a.name.toLocaleLowerCase("vi").includes(needle),
    );
  print(values.json ? JSON.stringify(rows, null, 2) : rows.map(row).join("\n"));
  return 0;
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parsedOrUsage(
    () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...archiveOptions,
          json: { type: "boolean" },
        },
      }),
    USAGES.show,
  );
  const id = organId(one("show", positionals), "ORGANID");
  const directory = await snapshot(values);
  const periods = directory.history(id as Agency["id"]);
  const { changes } = await callArchive(values, "directory.history", { id, limit: 50 });
  if (periods.length === 0 && changes.length === 0) {
    throw new CliError(`${id} is not in the directory and never was`, 1);
  }
  const resolution = periods.length > 0 ? directory.resolve(id as Agency["id"]) : undefined;
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
  const { values, positionals } = parsedOrUsage(
    () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: { ...archiveOptions, output: { type: "string", short: "o" } },
      }),
    USAGES.export,
  );
  if (positionals.length > 0) throw new CliError(`usage: edoc ${USAGES.export}`, 2);
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
