import { readFileSync } from "node:fs";
import type { SystemView } from "@edoc/messages";
import { generateSecret, parseSystemsKey, sealSecret } from "@edoc/vdxp";
import { BUS_OPTIONS, callHubArchive, type HubAddress, timeoutOf } from "../archive-rpc.js";
import {
  CliError,
  type Command,
  commandGroup,
  type OptionsSpec,
  parseCommandArgs,
  required,
} from "../command.js";

// `edoc system`: agency systems of the VDXP listener (systemid + secret, the OrganIds whose
// mailboxes they hold), managed in the running hub's archive over the bus. A secret is made
// here, sealed with the systems key (AES-256-GCM) before it leaves the process, and printed
// once: the hub stores only the sealed form.

const KEY = { "key-file": { type: "string" } } as const satisfies OptionsSpec;
const BUS_HELP = `--amqp defaults to $EDOC_AMQP_URL, --prefix to $EDOC_BUS_PREFIX, --timeout to 30000 ms. Exit 1 the archive refused
(unknown system, mailbox held by another system…), 2 the hub unreachable.`;
const KEY_HELP = `The secret is printed once; --key-file defaults to $EDOC_SYSTEMS_KEY_FILE (64 hex digits, 0600).`;

function systemsKey(file: string | undefined): Buffer {
  const path = file ?? process.env.EDOC_SYSTEMS_KEY_FILE;
  if (!path) throw new CliError("give --key-file or set EDOC_SYSTEMS_KEY_FILE (the systems key)");
  try {
    return parseSystemsKey(readFileSync(path, "utf8"));
  } catch (err) {
    throw new CliError(`cannot use the systems key ${path}: ${(err as Error).message}`, 2);
  }
}

function describe(s: SystemView): string {
  const flags = [
    s.enabled ? "enabled" : "DISABLED",
    s.requireMtls ? "mTLS required" : "",
    s.peerHub ? "peer hub" : "",
  ];
  return `${s.systemId}${s.name ? ` (${s.name})` : ""}: ${flags.filter(Boolean).join(", ")}; organs ${s.organIds.join(", ") || "none"}; secret set ${s.secretRotatedAt}`;
}

/** One call to the hub's archive; operators' changes are small, 30 s is plenty by default. */
function call<M extends Parameters<typeof callHubArchive>[1]>(
  at: HubAddress & { timeout?: string | undefined },
  method: M,
  params: Parameters<typeof callHubArchive<M>>[2],
) {
  return callHubArchive(at, method, params, timeoutOf(at.timeout, 30_000));
}

/** One `systems.update`, then the system as it now is. */
async function update(
  at: Parameters<typeof call>[0],
  patch: Parameters<typeof callHubArchive<"systems.update">>[2],
): Promise<number> {
  const { system } = await call(at, "systems.update", patch);
  print(describe(system));
  return 0;
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function printSecret(systemId: string, secret: string): void {
  print(`secret for ${systemId} (shown once, not stored in clear anywhere): ${secret}`);
}

const add: Command = {
  name: "add",
  usage:
    "system add SYSTEMID (--organ ORGANID [--organ …] | --peer-hub) [--name TEXT] [--require-mtls] [--key-file F]   register an agency system, or a downstream hub",
  help: `--peer-hub: SYSTEMID is a downstream hub (a province's hub) that takes the deliveries whose
directory entry says hub SYSTEMID, and may send letters of agencies this hub does not serve;
--organ is optional for it.\n${KEY_HELP}\n${BUS_HELP}`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      options: {
        organ: { type: "string", multiple: true },
        name: { type: "string" },
        "require-mtls": { type: "boolean" },
        "peer-hub": { type: "boolean" },
        ...KEY,
        ...BUS_OPTIONS,
      },
      positionals: ["SYSTEMID"],
    });
    const systemId = positionals[0]!;
    const peerHub = values["peer-hub"] ?? false;
    const organIds = peerHub ? (values.organ ?? []) : required(values.organ, "--organ ORGANID");
    const secret = generateSecret();
    const { system } = await call(values, "systems.add", {
      systemId,
      organIds,
      ...(values.name ? { name: values.name } : {}),
      sealedSecret: sealSecret(systemsKey(values["key-file"]), systemId, secret),
      requireMtls: values["require-mtls"] ?? false,
      peerHub,
    });
    print(describe(system));
    printSecret(systemId, secret);
    return 0;
  },
};

const list: Command = {
  name: "list",
  usage: "system list [--json]   the systems, their agencies and state (never their secrets)",
  help: BUS_HELP,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      options: { json: { type: "boolean" }, ...BUS_OPTIONS },
    });
    const { systems } = await call(values, "systems.list", {});
    if (values.json) print(JSON.stringify(systems, null, 2));
    else print(systems.length === 0 ? "no systems" : systems.map(describe).join("\n"));
    return 0;
  },
};

const rotate: Command = {
  name: "rotate-secret",
  usage: "system rotate-secret SYSTEMID [--key-file F]   a new secret; the old one stops working",
  help: `${KEY_HELP}\nGateways pick the change up within EDOC_VDXP_SYSTEM_CACHE_MS.\n${BUS_HELP}`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      options: { ...KEY, ...BUS_OPTIONS },
      positionals: ["SYSTEMID"],
    });
    const systemId = positionals[0]!;
    const secret = generateSecret();
    const sealedSecret = sealSecret(systemsKey(values["key-file"]), systemId, secret);
    const { system } = await call(values, "systems.update", {
      systemId,
      sealedSecret,
    });
    print(describe(system));
    printSecret(systemId, secret);
    return 0;
  },
};

function toggle(name: "disable" | "enable"): Command {
  return {
    name,
    usage: `system ${name} SYSTEMID   ${name === "disable" ? "refuse its requests" : "accept its requests again"}`,
    help: BUS_HELP,
    async run(argv) {
      const { values, positionals } = parseCommandArgs(argv, {
        options: BUS_OPTIONS,
        positionals: ["SYSTEMID"],
      });
      return update(values, { systemId: positionals[0]!, enabled: name === "enable" });
    },
  };
}

const requireMtls: Command = {
  name: "require-mtls",
  usage: "system require-mtls SYSTEMID on|off   mutual TLS on top of the HMAC, or not",
  help: BUS_HELP,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      options: BUS_OPTIONS,
      positionals: ["SYSTEMID", "on|off"],
    });
    const [systemId, flag] = positionals as [string, string];
    if (flag !== "on" && flag !== "off") throw new CliError("say on or off", 2);
    return update(values, { systemId, requireMtls: flag === "on" });
  },
};

const setOrgans: Command = {
  name: "set-organs",
  usage:
    "system set-organs SYSTEMID --organ ORGANID [--organ …]   the agencies it holds, all of them",
  help: BUS_HELP,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      options: { organ: { type: "string", multiple: true }, ...BUS_OPTIONS },
      positionals: ["SYSTEMID"],
    });
    return update(values, {
      systemId: positionals[0]!,
      organIds: required(values.organ, "--organ ORGANID"),
    });
  },
};

const move: Command = {
  name: "move",
  usage: "system move ORGANID --to SYSTEMID   move one agency's mailbox to another system",
  help: BUS_HELP,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      options: { to: { type: "string" }, ...BUS_OPTIONS },
      positionals: ["ORGANID"],
    });
    const organId = positionals[0]!;
    const r = await call(values, "systems.move", {
      organId,
      to: required(values.to, "--to SYSTEMID"),
    });
    print(`moved ${organId}'s mailbox from ${r.from ?? "no system"} to ${r.system.systemId}`);
    print(describe(r.system));
    return 0;
  },
};

/** `edoc system …`: agency systems of the VDXP listener (docs/vdxp.md). */
export const systemCommand: Command = commandGroup({
  name: "system",
  summary: "agency systems of the national axis protocol's listener (VDXP): ids, secrets, agencies",
  subcommands: [
    add,
    list,
    rotate,
    toggle("disable"),
    toggle("enable"),
    requireMtls,
    setOrgans,
    move,
  ],
});
