import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import type { MaintenanceState } from "@edoc/messages";
import { callHubArchive } from "../archive-rpc.js";
import { type Command, parsedOrUsage } from "../command.js";

const USAGE =
  "maintenance on|off|status [--retry-after S] [--reason TEXT] [--by NAME] [--amqp URL] [--prefix P] [--json]";

/**
 * `edoc maintenance`: switches the running hub's maintenance mode (RPC `maintenance.set`,
 * stored by the archive; every gateway follows within EDOC_MAINTENANCE_POLL_MS) or shows it.
 * While on, new letters and statuses get 503 MAINTENANCE with Retry-After; inboxes stay open.
 * Exit 0 done, 1 the archive refused, 2 bad usage or the hub unreachable.
 */
export const maintenanceCommand: Command = {
  name: "maintenance",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parsedOrUsage(
      () =>
        parseArgs({
          args: argv,
          allowPositionals: true,
          options: {
            "retry-after": { type: "string" },
            reason: { type: "string" },
            by: { type: "string" },
            amqp: { type: "string" },
            prefix: { type: "string" },
            json: { type: "boolean" },
          },
        }),
      USAGE,
    );
    const [action, ...extra] = positionals;
    const retryAfter = values["retry-after"];
    const seconds = retryAfter === undefined ? 300 : Number(retryAfter);
    parsedOrUsage(() => {
      if (extra.length > 0 || (action !== "on" && action !== "off" && action !== "status"))
        throw new Error("say on, off or status");
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400)
        throw new Error("--retry-after must be 1 to 86400 seconds");
    }, USAGE);
    const at = { amqp: values.amqp, prefix: values.prefix };
    const state =
      action === "status"
        ? await callHubArchive(at, "maintenance.get", {}, 10_000)
        : await callHubArchive(
            at,
            "maintenance.set",
            {
              on: action === "on",
              retryAfterSeconds: seconds,
              by: values.by ?? operatorName(),
              ...(values.reason ? { reason: values.reason } : {}),
            },
            10_000,
          );
    process.stdout.write(`${values.json ? JSON.stringify(state) : describe(state)}\n`);
    return 0;
  },
};

/** Who switched it, for the record: the OS account unless `--by` says otherwise. */
function operatorName(): string {
  try {
    return userInfo().username || "operator";
  } catch {
    return process.env.USER || "operator";
  }
}

function describe(s: MaintenanceState): string {
  const who = [s.by && `by ${s.by}`, s.since && `since ${s.since}`].filter(Boolean).join(" ");
  return s.on
    ? `maintenance ON ${who}: submissions refused with 503 MAINTENANCE, Retry-After ${s.retryAfterSeconds} s${s.reason ? ` (${s.reason})` : ""}`
    : `maintenance off${who ? ` (${who})` : ""}: submissions accepted`;
}
