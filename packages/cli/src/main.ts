#!/usr/bin/env node
import { CliError } from "./command.js";
// `edoc`: the hub's command-line tool. Each command lives in src/commands/<name>.ts and exports
// a `Command`; this file only dispatches. Exit codes: 0 ok, 1 a negative verdict (invalid,
// untrusted, refused), 2 unusable input or wrong usage.
import { commands } from "./commands/index.js";

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = commands.find((c) => c.name === name);
  if (!command || name === "help" || name === "--help") {
    process.stdout.write(usage());
    return name && name !== "help" && name !== "--help" ? 2 : 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`edoc ${command.name}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

function usage(): string {
  const lines = commands.map((c) => `  ${c.usage}`);
  return `usage: edoc <command> [options]\n\n${lines.join("\n")}\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `edoc: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exitCode = 2;
  },
);
