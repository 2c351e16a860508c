import { userInfo } from "node:os";
import type { MaintenanceState } from "@edoc/messages";
import { callHubArchive, type HubAddress } from "../archive-rpc.js";
import { type Command, commandGroup, parseCommandArgs, UsageError } from "../command.js";

const HUB = "[--amqp URL] [--prefix P] [--json]";
const HUB_HELP = `--amqp defaults to $EDOC_AMQP_URL, --prefix to $EDOC_BUS_PREFIX. Exit 1 the archive refused,
2 the hub unreachable.`;
const hubOptions = {
  amqp: { type: "string" },
  prefix: { type: "string" },
  json: { type: "boolean" },
} as const;

/**
 * `edoc maintenance on|off|status`: the running hub's maintenance mode (RPC `maintenance.set` /
 * `maintenance.get`, stored by the archive; every gateway follows within
 * EDOC_MAINTENANCE_POLL_MS). While on, new letters and statuses get 503 MAINTENANCE with
 * Retry-After; inboxes stay open.
 */
export const maintenanceCommand: Command = commandGroup({
  name: "maintenance",
  summary: "refuse new submissions (503 MAINTENANCE) while inboxes stay open, or show the switch",
  subcommands: [
    {
      name: "on",
      usage: `maintenance on [--retry-after S] [--reason TEXT] [--by NAME] ${HUB}`,
      help: `Switches maintenance mode on: gateways answer new letters and statuses with 503 MAINTENANCE
and Retry-After S (default 300, 1 to 86400). --by names the operator for the record (default
the OS account). ${HUB_HELP}`,
      run: (argv) => switchTo(true, argv),
    },
    {
      name: "off",
      usage: `maintenance off [--by NAME] ${HUB}`,
      help: `Switches maintenance mode off: submissions are accepted again. ${HUB_HELP}`,
      run: (argv) => switchTo(false, argv),
    },
    {
      name: "status",
      usage: `maintenance status ${HUB}`,
      help: `Shows the switch: on or off, since when, by whom, why. ${HUB_HELP}`,
      run: status,
    },
  ],
});

async function switchTo(on: boolean, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: {
      ...hubOptions,
      by: { type: "string" },
      ...(on ? { "retry-after": { type: "string" }, reason: { type: "string" } } : {}),
    },
  });
  const v = values as typeof values & { "retry-after"?: string; reason?: string };
  const seconds = v["retry-after"] === undefined ? 300 : Number(v["retry-after"]);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400)
    throw new UsageError("--retry-after must be 1 to 86400 seconds");
  const state = await callHubArchive(
    hubOf(values),
    "maintenance.set",
    {
      on,
      retryAfterSeconds: seconds,
      by: values.by ?? operatorName(),
      ...(v.reason ? { reason: v.reason } : {}),
    },
    10_000,
  );
  return print(state, values.json === true);
}

async function status(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { options: hubOptions });
  const state = await callHubArchive(hubOf(values), "maintenance.get", {}, 10_000);
  return print(state, values.json === true);
}

function hubOf(values: { amqp?: string | undefined; prefix?: string | undefined }): HubAddress {
  return { amqp: values.amqp, prefix: values.prefix };
}

/** Who switched it, for the record: the OS account unless `--by` says otherwise. */
function operatorName(): string {
  try {
    return userInfo().username || "operator";
  } catch {
    return process.env.USER || "operator";
  }
}

function print(s: MaintenanceState, json: boolean): number {
  const who = [s.by && `by ${s.by}`, s.since && `since ${s.since}`].filter(Boolean).join(" ");
  const text = s.on
    ? `maintenance ON ${who}: submissions refused with 503 MAINTENANCE, Retry-After ${s.retryAfterSeconds} s${s.reason ? ` (${s.reason})` : ""}`
    : `maintenance off${who ? ` (${who})` : ""}: submissions accepted`;
  process.stdout.write(`${json ? JSON.stringify(s) : text}\n`);
  return 0;
}
