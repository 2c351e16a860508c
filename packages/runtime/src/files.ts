import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { Directory, demoNetwork, parseDirectoryJson } from "@edoc/directory";
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

/** Splits a PEM bundle into its certificates. */
export function splitPem(text: string): string[] {
  return (
    text
      .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)
      ?.map((p) => `${p}\n`) ?? []
  );
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
  const certs = splitPem(readText(caFile, "trust store"));
  if (certs.length === 0) throw new ConfigError(`${caFile} holds no PEM certificate`);
  const anchors: string[] = [];
  const intermediates: string[] = [];
  for (const pem of certs) {
    const c = new X509Certificate(pem);
    (c.subject === c.issuer && c.checkIssued(c) ? anchors : intermediates).push(pem);
  }
  return { anchors, intermediates, crls: crlFiles.map((f) => readText(f, "CRL")) };
}

export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}
