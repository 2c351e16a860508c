import { writeFileSync } from "node:fs";
import { extname } from "node:path";
import {
  agencyLookup,
  isMonth,
  monthlyReport,
  onTimeShare,
  reportCsv,
  reportXlsx,
} from "@edoc/reports";
import { ConfigError, loadDirectory } from "@edoc/runtime";
import { callHubArchive, timeoutOf } from "../archive-rpc.js";
import { CliError, type Command, parseCommandArgs, required, UsageError } from "../command.js";

const FORMATS = ["csv", "xlsx"] as const;
type Format = (typeof FORMATS)[number];

/** `--format`, else the output file's extension. */
function formatOf(format: string | undefined, output: string): Format {
  const f = format ?? extname(output).slice(1).toLowerCase();
  if (!(FORMATS as readonly string[]).includes(f))
    throw new UsageError("--format must be csv or xlsx (or -o FILE.csv / FILE.xlsx)");
  return f as Format;
}

/**
 * `edoc report`: a month's report (báo cáo tháng) from the running hub's archive (RPC
 * `reports.monthly`), named and tiered from the directory (`--directory`, else
 * EDOC_DIRECTORY_FILE, else the demo network), written as CSV or XLSX — the same file the
 * console's download gives. Exit 0 written, 1 the archive refused, 2 bad usage or no hub.
 */
export const reportCommand: Command = {
  name: "report",
  usage:
    "report --month YYYY-MM -o FILE.csv|FILE.xlsx [--format csv|xlsx] [--directory FILE] [--amqp URL] [--prefix P] [--timeout MS]   a month's report per agency and tier",
  help: `Asks the running hub's archive (RPC reports.monthly over the bus) for one Vietnam month's counts,
names and tiers them from the directory (--directory, else $EDOC_DIRECTORY_FILE, else the demo
network) and writes the console's CSV (UTF-8 with a BOM) or XLSX. The format is --format, else
the file's extension. --amqp defaults to $EDOC_AMQP_URL, --prefix to $EDOC_BUS_PREFIX, --timeout
to 60000. Exit 1 the archive refused (a month not begun…), 2 bad usage or the hub unreachable.`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      options: {
        month: { type: "string" },
        output: { type: "string", short: "o" },
        format: { type: "string" },
        directory: { type: "string" },
        amqp: { type: "string" },
        prefix: { type: "string" },
        timeout: { type: "string" },
      },
    });
    const month = required(values.month, "--month YYYY-MM");
    const output = required(values.output, "-o FILE");
    if (!isMonth(month)) throw new UsageError(`--month must be YYYY-MM, got ${month}`);
    const format = formatOf(values.format, output);
    let directory: ReturnType<typeof loadDirectory>;
    try {
      directory = loadDirectory(values.directory ?? (process.env.EDOC_DIRECTORY_FILE || undefined));
    } catch (err) {
      if (err instanceof ConfigError) throw new CliError(err.message, 2);
      throw err;
    }
    const counts = await callHubArchive(
      values,
      "reports.monthly",
      { month },
      timeoutOf(values.timeout, 60_000),
    );
    const report = monthlyReport(counts, agencyLookup(directory, month));
    const bytes = format === "csv" ? reportCsv(report) : await reportXlsx(report);
    try {
      writeFileSync(output, bytes);
    } catch (err) {
      throw new CliError(`cannot write ${output}: ${(err as Error).message}`, 2);
    }
    const share = onTimeShare(report.total);
    process.stdout.write(
      `wrote ${output}: report for ${month}, ${report.agencies.length} agencies, ${report.total.sent} letters sent, ` +
        `${report.total.received} received (${share === undefined ? "none judged" : `${(share * 100).toFixed(1)}% on time`}), ` +
        `${report.total.overdue} overdue, ${report.total.returned} returned${report.truncated ? " (TRUNCATED: row limit reached)" : ""}\n`,
    );
    return 0;
  },
};
