import { vi } from "vitest";
import type { Command } from "../src/command.js";

type Result = { code: number; out: string };

/**
 * Runs one command in-process: its stdout captured, stderr dropped; a CliError becomes its exit
 * code with the message appended to the output. Callers restore the mocks (vi.restoreAllMocks).
 */
export function run(command: Command, ...args: string[]): Promise<Result> {
  return invoke(command, args, false);
}

/** As `run`, with stderr captured into the output too. */
export function runWithStderr(command: Command, ...args: string[]): Promise<Result> {
  return invoke(command, args, true);
}

async function invoke(command: Command, args: string[], stderr: boolean): Promise<Result> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(stderr ? capture : () => true);
  try {
    return { code: await command.run(args), out: chunks.join("") };
  } catch (err) {
    const exitCode = (err as { exitCode?: number }).exitCode;
    if (exitCode === undefined) throw err;
    return { code: exitCode, out: `${chunks.join("")}${(err as Error).message}` };
  }
}
