import { BUS_OPTIONS, callHubArchive, timeoutOf } from "../archive-rpc.js";
import { type Command, commandGroup, parseCommandArgs, UsageError } from "../command.js";

/**
 * `edoc retention apply`: asks the running archive (RPC `retention.apply`) to remove the bytes
 * of letters past its retention period (EDOC_RETENTION_DAYS), or with --dry-run to list them.
 */
export const retentionCommand: Command = commandGroup({
  name: "retention",
  summary: "letters' bytes past the archive's retention period (EDOC_RETENTION_DAYS)",
  subcommands: [
    {
      name: "apply",
      usage:
        "retention apply [--dry-run] [--limit N] [--json] [--amqp URL] [--prefix P] [--timeout MS]",
      help: `Asks the running archive to purge (or with --dry-run list) the letters past its retention
period whose deliveries are all settled, each with a purged receipt; at most --limit (1000) per
run. --amqp defaults to $EDOC_AMQP_URL, --prefix to $EDOC_BUS_PREFIX, --timeout to 600000.
Exit 1 the archive has no policy (RETENTION_OFF), 2 the hub unreachable.`,
      run: apply,
    },
  ],
});

async function apply(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: {
      "dry-run": { type: "boolean" },
      limit: { type: "string" },
      json: { type: "boolean" },
      ...BUS_OPTIONS,
    },
  });
  const limit = values.limit === undefined ? 1000 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new UsageError("--limit must be an integer from 1 to 10000");
  }
  const dryRun = values["dry-run"] === true;
  const r = await callHubArchive(
    { amqp: values.amqp, prefix: values.prefix },
    "retention.apply",
    { dryRun, limit },
    timeoutOf(values.timeout, 600_000),
  );
  if (values.json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  }
  const verb = dryRun ? "would purge" : "purged";
  const lines = [
    `retention ${r.retentionDays} day(s): letters accepted before ${r.cutoff}; ${verb} ${r.letters.length} (${r.bytes} bytes), ${r.kept} kept for now (not routed, or a delivery still open)${r.more ? `; more remain past the period (run again)` : ""}`,
    ...r.letters.map(
      (l) =>
        `  ${l.hubDocumentId}  ${l.acceptedAt}  ${l.from}  ${l.documentId}  ${l.size} bytes${l.receiptId ? `  ${l.receiptId}` : ""}`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
