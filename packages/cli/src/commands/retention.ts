import { parseArgs } from "node:util";
import { BUS_OPTIONS, callArchive, timeoutOf } from "../archive-rpc.js";
import { CliError, type Command, parsedOrUsage } from "../command.js";

const USAGE =
  "retention apply [--dry-run] [--limit N] [--json] [--amqp URL] [--prefix P] [--timeout MS]";

/**
 * `edoc retention apply`: asks the running archive (RPC `retention.apply`) to remove the bytes
 * of letters past its retention period (EDOC_RETENTION_DAYS), or with --dry-run to list them.
 * Exit 0 done, 1 the archive refused (RETENTION_OFF), 2 bad usage or the hub unreachable.
 */
export const retentionCommand: Command = {
  name: "retention",
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== "apply") throw new CliError(`usage: edoc ${USAGE}`, 2);
    const { values, positionals } = parsedOrUsage(
      () =>
        parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            "dry-run": { type: "boolean" },
            limit: { type: "string" },
            json: { type: "boolean" },
            ...BUS_OPTIONS,
          },
        }),
      USAGE,
    );
    if (positionals.length > 0) throw new CliError(`usage: edoc ${USAGE}`, 2);
    const limit = values.limit === undefined ? 1000 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new CliError("--limit must be an integer from 1 to 10000", 2);
    }
    const dryRun = values["dry-run"] === true;
    const r = await callArchive(
      values,
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
  },
};
