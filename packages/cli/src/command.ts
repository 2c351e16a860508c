/** One `edoc` subcommand. `run` returns the process exit code. */
export interface Command {
  readonly name: string;
  /** One line shown by `edoc help`, e.g. `parse FILE [--json]`. */
  readonly usage: string;
  run(args: string[]): Promise<number>;
}

/** A failure the user caused or must see plainly: printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

/** Runs an argument parser, turning its complaint into a usage error (exit 2). */
export function parsedOrUsage<T>(parse: () => T, usage: string): T {
  try {
    return parse();
  } catch (err) {
    throw new CliError(
      `${err instanceof Error ? err.message : String(err)}; usage: edoc ${usage}`,
      2,
    );
  }
}
