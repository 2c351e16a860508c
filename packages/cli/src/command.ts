import { type ParseArgsConfig, parseArgs } from "node:util";

/** node:util parseArgs option definitions (the type node does not export by name). */
export type OptionsSpec = NonNullable<ParseArgsConfig["options"]>;

type StrictConfig<O extends OptionsSpec> = {
  args: string[];
  options: O;
  allowPositionals: true;
  strict: true;
};

/** What `parseCommandArgs` returns: typed `values` and the `positionals`. */
export type ParsedArgs<O extends OptionsSpec> = ReturnType<typeof parseArgs<StrictConfig<O>>>;

/**
 * One `edoc` command (or subcommand: `pki init`). `run` returns the process exit code. `--help`,
 * `-h` and `edoc help NAME` are answered before `run` (src/run.ts), so no command parses them.
 */
export interface Command {
  readonly name: string;
  /** The full command line after `edoc`, then what it does, e.g. `parse FILE [--json]   …`. */
  readonly usage: string;
  /** More lines for `--help`: defaults, environment variables, what the exit codes mean here. */
  readonly help?: string;
  /** Subcommands, dispatched by name (see `commandGroup`). */
  readonly subcommands?: readonly Command[];
  run(args: string[]): Promise<number>;
}

/** A failure the user caused or must see plainly: printed as one line, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

/** Wrong usage (unknown option, missing or extra argument): the reason, then the usage; exit 2. */
export class UsageError extends CliError {
  constructor(reason: string) {
    super(reason, 2);
  }
}

/** What a command accepts: node:util parseArgs options (strict) and its positional arguments. */
export interface ArgSpec<O extends OptionsSpec> {
  readonly options: O;
  /** Names of the positional arguments in order, e.g. `["FILE"]`; `"FILE?"` is optional. */
  readonly positionals?: readonly string[];
}

/**
 * The one argument parser of every command: unknown options, option values missing, and too few
 * or too many positional arguments all become a `UsageError`.
 */
export function parseCommandArgs<const O extends OptionsSpec>(
  argv: readonly string[],
  spec: ArgSpec<O>,
): ParsedArgs<O> {
  let parsed: ParsedArgs<O>;
  try {
    parsed = parseStrict(argv, spec.options);
  } catch (err) {
    throw usageErrorOf(err) ?? err;
  }
  const names = spec.positionals ?? [];
  const required = names.filter((n) => !n.endsWith("?")).length;
  const got = parsed.positionals;
  if (got.length < required) throw new UsageError(`missing ${names[got.length]}`);
  if (got.length > names.length) throw new UsageError(`unexpected argument '${got[names.length]}'`);
  return parsed;
}

function parseStrict<O extends OptionsSpec>(argv: readonly string[], options: O): ParsedArgs<O> {
  return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
}

/** An option the command cannot do without: its value, or a UsageError naming it. */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === "") throw new UsageError(`missing ${name}`);
  return value;
}

/**
 * node:util parseArgs throws TypeErrors with codes ERR_PARSE_ARGS_*: as a one-line UsageError.
 * Commands that call parseArgs directly get the same treatment from src/run.ts.
 */
export function usageErrorOf(err: unknown): UsageError | undefined {
  if (err instanceof UsageError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (!(err instanceof Error) || typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_"))
    return undefined;
  const first = err.message.split(/\.\s/)[0] ?? err.message;
  return new UsageError(first.charAt(0).toLowerCase() + first.slice(1));
}

/** A command made of subcommands (`edoc pki init|issue|…`): dispatches on the first argument. */
export function commandGroup(group: {
  name: string;
  summary: string;
  help?: string;
  subcommands: readonly Command[];
}): Command {
  const names = group.subcommands.map((s) => s.name).join("|");
  return {
    name: group.name,
    usage: `${group.name} ${names} …   ${group.summary}`,
    ...(group.help !== undefined ? { help: group.help } : {}),
    subcommands: group.subcommands,
    async run([sub, ...rest]) {
      const command = group.subcommands.find((c) => c.name === sub);
      if (command) return command.run(rest);
      throw new UsageError(
        sub === undefined ? "missing subcommand" : `unknown subcommand '${sub}'`,
      );
    },
  };
}
