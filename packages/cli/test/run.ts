import { vi } from "vitest";
import type { Command } from "../src/command.js";

/**
 * Runs one command in-process: its stdout captured, stderr dropped; a CliError becomes its exit
 * code with the message appended to the output. Callers restore the mocks (vi.restoreAllMocks).
 */
export async function run(
  command: Command,
  ...args: string[]
): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    return { code: await command.run(args), out: chunks.join("") };
  } catch (err) {
    const exitCode = (err as { exitCode?: number }).exitCode;
    if (exitCode === undefined) throw err;
    return { code: exitCode, out: `${chunks.join("")}${(err as Error).message}` };
  }
}
