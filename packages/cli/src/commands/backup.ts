import {
  BackupError,
  type BackupManifest,
  backupDatabase,
  type RestoreReport,
  restoreDatabase,
} from "@edoc/backup";
import { connectStore, type Db, type Store } from "@edoc/store";
import { CliError, type Command, parseCommandArgs, required } from "../command.js";
import { readText } from "../files.js";

const DB_OPTIONS = { mongo: { type: "string" }, db: { type: "string" } } as const;

/**
 * The database is read and written directly, like mongodump (not through the archive): a
 * backup streams gigabytes of bytes, which the bus carries only in 1 MiB RPCs, and a restore
 * must happen with the archive stopped (it keeps the chain head, row cache and pending inboxes
 * in memory). The snapshot is defined by the receipt chain, not by the process reading it.
 */
async function connect(values: { mongo?: string; db?: string }): Promise<Store> {
  const url =
    values.mongo ??
    process.env.EDOC_MONGO_URL ??
    "mongodb://127.0.0.1:27017/?directConnection=true";
  const dbName = values.db ?? process.env.EDOC_DB_NAME ?? "edoc";
  try {
    return await connectStore({ url, dbName, serverSelectionTimeoutMs: 5_000 });
  } catch (err) {
    throw new CliError(`cannot reach the database: ${(err as Error).message}`, 2);
  }
}

/** A backup that is damaged, a target that is not empty, a chain that breaks: exit 1. */
function verdict(err: unknown): never {
  if (err instanceof BackupError) throw new CliError(`${err.code}: ${err.message}`, 1);
  // A file that cannot be read or written (ENOENT, EEXIST, EACCES…): unusable input.
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === "string" && code.startsWith("E"))
    throw new CliError((err as Error).message, 2);
  throw err;
}

/** Runs `job` on the database, prints what it says, and closes the connection: exit 0. */
async function withDatabase(
  values: { mongo?: string; db?: string },
  job: (db: Db) => Promise<string>,
): Promise<number> {
  const store = await connect(values);
  try {
    process.stdout.write(`${await job(store.db).catch(verdict)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

function summary(m: BackupManifest): string {
  const rows = m.parts.reduce((n, p) => n + p.rows, 0);
  const cut = m.cut
    ? `cut at receipt seq ${m.cut.seq}${m.cut.signed ? ` (signed chain head, ${m.cut.at})` : " (no signed chain head: the hub has no key)"}`
    : "no receipts";
  return [
    `${m.parts.length} collections, ${rows} rows; ${cut}`,
    ...m.notes.map((n) => `  note: ${n}`),
  ].join("\n");
}

const DB_HELP = `--mongo defaults to $EDOC_MONGO_URL, --db to $EDOC_DB_NAME (as the archive reads them).`;

export const backupCommand: Command = {
  name: "backup",
  usage:
    "backup -o FILE [--mongo URL] [--db NAME]   a snapshot of the hub's database, cut at the signed chain head",
  help: `Writes a tar (manifest.json, then one Extended JSON part per collection) that must not exist
yet; the hub may keep running. ${DB_HELP} Exit 1 the database changed in a way the copy could not
cut back (run it again), 2 the database unreachable or FILE not writable.`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      options: { ...DB_OPTIONS, output: { type: "string", short: "o" } },
    });
    const output = required(values.output, "-o FILE");
    return withDatabase(values, async (db) => {
      const manifest = await backupDatabase(db, output);
      return `wrote ${output}: ${summary(manifest)}`;
    });
  },
};

function restored(r: RestoreReport): string {
  const sig = r.chain.signature;
  const head = r.chain.head ? `up to seq ${r.chain.head.seq}` : "(empty)";
  const signed = !sig
    ? "no signed head"
    : sig.verified
      ? `signed head verified with the ${sig.certificate} certificate`
      : "signed head NOT checked: no certificate (pass --hub-cert)";
  return `restored ${r.rows} rows; ${summary(r.manifest)}\nchain verified: ${r.chain.receipts} receipts ${head}; ${signed}`;
}

export const restoreCommand: Command = {
  name: "restore",
  usage:
    "restore FILE [--mongo URL] [--db NAME] [--force] [--hub-cert PEM]   a backup into an empty database, then the chain verified",
  help: `Stop the hub's services first. The whole file is checked against its manifest before anything
is written; a database holding collections is refused unless --force (which drops it). The signed
chain head is verified with --hub-cert, else with the certificate it embeds. ${DB_HELP}
Exit 1 the backup is damaged, the target not empty or the restored chain does not verify.`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      options: { ...DB_OPTIONS, force: { type: "boolean" }, "hub-cert": { type: "string" } },
      positionals: ["FILE"],
    });
    const file = positionals[0] as string;
    const certFile = values["hub-cert"];
    const hubCertPem = certFile ? readText(certFile, "hub certificate") : undefined;
    return withDatabase(values, async (db) =>
      restored(
        await restoreDatabase(db, file, {
          force: values.force === true,
          ...(hubCertPem ? { hubCertPem } : {}),
        }),
      ),
    );
  },
};
