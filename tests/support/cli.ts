import { execFile } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./hub.js";

/** The built `edoc` command (packages/cli/dist/main.js): build first. */
export const CLI = join(repoRoot, "packages", "cli", "dist", "main.js");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `edoc ARGS…` as a process and returns its exit code and output. */
export function edoc(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 99) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
