import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { SystemView } from "@edoc/messages";
import { generateSecret, parseSystemsKey, sealSecret } from "@edoc/vdxp";
import { callArchiveRpc } from "../archive-rpc.js";
import { CliError, type Command, parsedOrUsage } from "../command.js";

const USAGE = [
  "system add SYSTEMID --organ ORGANID [--organ …] [--name TEXT] [--require-mtls]",
  "system list [--json]",
  "system rotate-secret SYSTEMID",
  "system disable|enable SYSTEMID",
  "system require-mtls SYSTEMID on|off",
  "system set-organs SYSTEMID --organ ORGANID [--organ …]",
  "system move ORGANID --to SYSTEMID",
  "  (every one: [--amqp URL] [--prefix P]; add and rotate-secret: [--key-file F])",
].join("\n  ");

/**
 * `edoc system`: agency systems of the VDXP listener (systemid + secret, the OrganIds whose
 * mailboxes they hold), managed in the running hub's archive over the bus. A secret is made
 * here, sealed with the systems key (EDOC_SYSTEMS_KEY_FILE, AES-256-GCM) before it leaves the
 * process and printed once: the hub stores only the sealed form.
 */
export const systemCommand: Command = {
  name: "system",
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parsedOrUsage(
      () =>
        parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            organ: { type: "string", multiple: true },
            name: { type: "string" },
            to: { type: "string" },
            "require-mtls": { type: "boolean" },
            "key-file": { type: "string" },
            json: { type: "boolean" },
            amqp: { type: "string" },
            prefix: { type: "string" },
          },
        }),
      USAGE,
    );
    const target = { amqp: values.amqp, prefix: values.prefix };
    const [id, extra] = positionals;
    const need = (v: string | undefined, what: string): string => {
      if (!v) throw new CliError(`${what} is required; usage: edoc ${USAGE}`, 2);
      return v;
    };
    switch (sub) {
      case "add": {
        const systemId = need(id, "SYSTEMID");
        need(values.organ?.[0], "--organ");
        const secret = generateSecret();
        const { system } = await callArchiveRpc(target, "systems.add", {
          systemId,
          organIds: values.organ ?? [],
          ...(values.name ? { name: values.name } : {}),
          sealedSecret: sealSecret(systemsKey(values["key-file"]), systemId, secret),
          requireMtls: values["require-mtls"] ?? false,
        });
        print(describe(system));
        printSecret(systemId, secret);
        return 0;
      }
      case "list": {
        const { systems } = await callArchiveRpc(target, "systems.list", {});
        if (values.json) print(JSON.stringify(systems, null, 2));
        else print(systems.length === 0 ? "no systems" : systems.map(describe).join("\n"));
        return 0;
      }
      case "rotate-secret": {
        const systemId = need(id, "SYSTEMID");
        const secret = generateSecret();
        const sealedSecret = sealSecret(systemsKey(values["key-file"]), systemId, secret);
        const { system } = await callArchiveRpc(target, "systems.update", {
          systemId,
          sealedSecret,
        });
        print(describe(system));
        printSecret(systemId, secret);
        return 0;
      }
      case "disable":
      case "enable": {
        const systemId = need(id, "SYSTEMID");
        const enabled = sub === "enable";
        const { system } = await callArchiveRpc(target, "systems.update", { systemId, enabled });
        print(describe(system));
        return 0;
      }
      case "require-mtls": {
        if (extra !== "on" && extra !== "off") throw new CliError(`usage: edoc ${USAGE}`, 2);
        const { system } = await callArchiveRpc(target, "systems.update", {
          systemId: need(id, "SYSTEMID"),
          requireMtls: extra === "on",
        });
        print(describe(system));
        return 0;
      }
      case "set-organs": {
        need(values.organ?.[0], "--organ");
        const { system } = await callArchiveRpc(target, "systems.update", {
          systemId: need(id, "SYSTEMID"),
          organIds: values.organ ?? [],
        });
        print(describe(system));
        return 0;
      }
      case "move": {
        const organId = need(id, "ORGANID");
        const r = await callArchiveRpc(target, "systems.move", {
          organId,
          to: need(values.to, "--to"),
        });
        print(`moved ${organId}'s mailbox from ${r.from ?? "no system"} to ${r.system.systemId}`);
        print(describe(r.system));
        return 0;
      }
      default:
        throw new CliError(`usage: edoc ${USAGE}`, 2);
    }
  },
};

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
  const flags = [s.enabled ? "enabled" : "DISABLED", s.requireMtls ? "mTLS required" : ""];
  return `${s.systemId}${s.name ? ` (${s.name})` : ""}: ${flags.filter(Boolean).join(", ")}; organs ${s.organIds.join(", ")}; secret set ${s.secretRotatedAt}`;
}

function printSecret(systemId: string, secret: string): void {
  print(`secret for ${systemId} (shown once, not stored in clear anywhere): ${secret}`);
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
