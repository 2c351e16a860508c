import { readFileSync } from "node:fs";
import { SignatureError, type SortedTrust, sortTrust } from "@edoc/signature";
import { CliError } from "./command.js";

/** A file's text, or a plain error naming what it was meant to be (exit 2). */
export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${what} ${file}: ${(err as Error).message}`, 2);
  }
}

/** A file's bytes, or a plain error naming what it was meant to be (exit 2). */
export function readBytes(file: string, what = "file"): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new CliError(`cannot read ${what} ${file}: ${(err as Error).message}`, 2);
  }
}

/** `--trust` files sorted into anchors and intermediates; at least one self-signed root. */
export function readTrustFiles(files: readonly string[]): SortedTrust {
  let sorted: SortedTrust;
  try {
    sorted = sortTrust(files.map((f) => ({ name: f, text: readText(f, "trust file") })));
  } catch (err) {
    if (err instanceof SignatureError) throw new CliError(err.message, 2);
    throw err;
  }
  if (sorted.trustAnchors.length === 0) {
    throw new CliError(`no self-signed root among ${files.join(", ")}: a path needs an anchor`, 2);
  }
  return sorted;
}
