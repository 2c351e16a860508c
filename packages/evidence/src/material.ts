// What every check reads (the bundle's files as verifyBundle prepared them) and small helpers.
import { X509Certificate } from "node:crypto";
import type { Reason } from "@edoc/signature";
import type { Manifest } from "./layout.js";
import type { VerifyBundleOptions } from "./report.js";

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function pems(value: string): string[] {
  return (value.match(PEM_CERT) ?? []).map((p) => `${p}\n`);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function reasonsText(reasons: readonly Reason[]): string {
  return reasons.map((r) => `${r.code}: ${r.message}`).join("; ");
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function fingerprint(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();
  } catch {
    return undefined;
  }
}

export interface Material {
  manifest: Manifest;
  letter: Uint8Array | undefined;
  letterDigest: string | undefined;
  hubPem: string;
  intermediates: string[];
  crls: string[];
  opts: VerifyBundleOptions;
}
