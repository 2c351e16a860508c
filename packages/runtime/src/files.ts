import { readFileSync } from "node:fs";
import { Directory, demoNetwork, parseDirectoryJson } from "@edoc/directory";
import { type SortedTrust, sortTrust } from "@edoc/signature";
import { ConfigError } from "./config.js";

/** The agency directory the hub routes by: a `edoc-directory/1` JSON file, or the demo network. */
export function loadDirectory(file: string | undefined): Directory {
  if (!file) return Directory.fromAgencies(demoNetwork().agencies);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read directory ${file}: ${(err as Error).message}`);
  }
  return Directory.fromAgencies(parseDirectoryJson(json));
}

export interface TrustMaterial {
  /** Self-signed roots. */
  anchors: string[];
  /** Issuing CAs below them. */
  intermediates: string[];
  crls: string[];
}

/** Reads the hub's trust store (a PEM bundle of CA certificates) and optional CRL files. */
export function loadTrust(caFile: string, crlFiles: readonly string[] = []): TrustMaterial {
  let sorted: SortedTrust;
  try {
    sorted = sortTrust([{ name: caFile, text: readText(caFile, "trust store") }]);
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  const { trustAnchors: anchors, intermediates } = sorted;
  return { anchors, intermediates, crls: crlFiles.map((f) => readText(f, "CRL")) };
}

export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}
