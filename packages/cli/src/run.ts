import { CliError, type Command, usageErrorOf } from "./command.js";

/** Exit codes of every command, printed in each usage text (docs/operations.md, "The CLI"). */
export const EXIT_CODES = `exit codes: 0 done; 1 refused, invalid or untrusted (the reason printed);
  2 wrong usage or unusable input; 70 internal error (EDOC_DEBUG=1 prints its stack)`;

const HELP_FLAGS = new Set(["--help", "-h"]);

/**
 * Runs `edoc ARGS…` against a list of commands and returns the exit code. The one place that
 * answers `--help`/`-h`/`edoc help`, prints usage errors (stderr, exit 2) and turns anything
 * unexpected into one line (exit 70), so every command, present or future, behaves the same.
 */
export async function runCli(
  commands: readonly Command[],
  argv: readonly string[],
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) return usageFailure("edoc", "missing command", overview(commands));
  if (name === "help" || HELP_FLAGS.has(name)) return help(commands, rest);
  const top = commands.find((c) => c.name === name);
  if (!top) return usageFailure("edoc", `unknown command '${name}'`, overview(commands));
  const { command, path, args } = resolve(top, rest);
  const beforeDashes = args.indexOf("--") < 0 ? args : args.slice(0, args.indexOf("--"));
  if (beforeDashes.some((a) => HELP_FLAGS.has(a))) return print(usageOf(command));
  try {
    return await command.run(args);
  } catch (err) {
    const usage = usageErrorOf(err);
    if (usage) return usageFailure(`edoc ${path}`, usage.message, usageOf(command));
    if (err instanceof CliError) {
      process.stderr.write(`edoc ${path}: ${err.message}\n`);
      return err.exitCode;
    }
    const detail =
      process.env.EDOC_DEBUG === "1" && err instanceof Error && err.stack
        ? err.stack
        : `${err instanceof Error ? err.message : String(err)} (EDOC_DEBUG=1 shows the stack)`;
    process.stderr.write(`edoc ${path}: internal error: ${detail}\n`);
    return 70;
  }
}

/** Descends into subcommands as far as the arguments name them. */
function resolve(
  top: Command,
  argv: readonly string[],
): { command: Command; path: string; args: string[] } {
  let command = top;
  let path = top.name;
  let args = [...argv];
  for (;;) {
    const sub = command.subcommands?.find((c) => c.name === args[0]);
    if (!sub) return { command, path, args };
    command = sub;
    path = `${path} ${sub.name}`;
    args = args.slice(1);
  }
}

/** `edoc help [COMMAND [SUBCOMMAND]]`: on stdout, exit 0; an unknown name is a usage error. */
function help(commands: readonly Command[], names: readonly string[]): number {
  const [name, ...rest] = names;
  if (name === undefined || HELP_FLAGS.has(name)) return print(overview(commands));
  const top = commands.find((c) => c.name === name);
  if (!top) return usageFailure("edoc help", `unknown command '${name}'`, overview(commands));
  const { command, path, args } = resolve(top, rest);
  if (args.length > 0)
    return usageFailure(`edoc help ${path}`, `unknown subcommand '${args[0]}'`, usageOf(command));
  return print(usageOf(command));
}

function usageOf(command: Command): string {
  const lines = command.subcommands
    ? ["usage:", ...command.subcommands.map((s) => `  edoc ${s.usage}`)]
    : [`usage: edoc ${command.usage}`];
  if (command.help) lines.push("", command.help);
  return [...lines, "", EXIT_CODES, ""].join("\n");
}

function overview(commands: readonly Command[]): string {
  return [
    "usage: edoc <command> [options]      edoc help <command> | edoc <command> --help",
    "",
    ...commands.map((c) => `  ${c.usage}`),
    "",
    EXIT_CODES,
    "",
  ].join("\n");
}

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}

function usageFailure(who: string, reason: string, usage: string): number {
  process.stderr.write(`${who}: ${reason}\n${usage}`);
  return 2;
}
