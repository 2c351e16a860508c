// The manifest: read, and every listed file present with its digest.
import { sha256Hex } from "@edoc/receipts";
import { EvidenceError } from "./errors.js";
import { EVIDENCE_FORMAT, type Manifest, type ManifestFile, PATHS, text } from "./layout.js";
import { errorMessage, isObject } from "./material.js";
import { type Check, fail, pass } from "./report.js";

export function readManifest(bytes: Uint8Array | undefined): Manifest {
  if (bytes === undefined) {
    throw new EvidenceError("BUNDLE_UNREADABLE", `the ZIP holds no ${PATHS.manifest}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text(bytes));
  } catch (err) {
    throw new EvidenceError(
      "BUNDLE_UNREADABLE",
      `${PATHS.manifest} is not JSON: ${errorMessage(err)}`,
    );
  }
  if (!isObject(raw) || raw.format !== EVIDENCE_FORMAT) {
    throw new EvidenceError(
      "BUNDLE_UNREADABLE",
      `${PATHS.manifest} is not an ${EVIDENCE_FORMAT} manifest (format ${JSON.stringify(isObject(raw) ? raw.format : undefined)})`,
    );
  }
  for (const field of ["hubDocumentId", "documentId", "from", "createdAt"] as const) {
    if (typeof raw[field] !== "string") {
      throw new EvidenceError("BUNDLE_UNREADABLE", `${PATHS.manifest} lacks ${field}`);
    }
  }
  const files = raw.files;
  if (
    !Array.isArray(files) ||
    !files.every(
      (f) =>
        isObject(f) &&
        typeof f.path === "string" &&
        typeof f.sha256 === "string" &&
        typeof f.size === "number",
    )
  ) {
    throw new EvidenceError(
      "BUNDLE_UNREADABLE",
      `${PATHS.manifest} files must be [{ path, sha256, size }]`,
    );
  }
  return raw as unknown as Manifest;
}

const REQUIRED = [
  PATHS.letter,
  PATHS.acceptanceReceipt,
  PATHS.receipts,
  PATHS.chainHeads,
  PATHS.hubCertificate,
  PATHS.caCertificates,
];

export function checkManifest(
  manifest: Manifest,
  files: ReadonlyMap<string, Uint8Array>,
  duplicates: readonly string[],
): Check {
  const problems: string[] = [];
  const listed = new Map<string, ManifestFile>();
  for (const f of manifest.files) {
    if (listed.has(f.path)) problems.push(`${f.path} is listed twice in the manifest`);
    listed.set(f.path, f);
  }
  for (const path of new Set(duplicates)) problems.push(`${path} occurs more than once in the ZIP`);
  for (const path of REQUIRED) {
    if (!files.has(path)) problems.push(`${path} is missing`);
  }
  for (const f of listed.values()) {
    const bytes = files.get(f.path);
    if (bytes === undefined) {
      if (!REQUIRED.includes(f.path as (typeof REQUIRED)[number]))
        problems.push(`${f.path} is listed but missing`);
      continue;
    }
    const digest = sha256Hex(bytes);
    if (digest !== f.sha256) {
      problems.push(`${f.path}: SHA-256 is ${digest}, the manifest says ${f.sha256}`);
    } else if (bytes.length !== f.size) {
      problems.push(`${f.path}: ${bytes.length} bytes, the manifest says ${f.size}`);
    }
  }
  for (const path of files.keys()) {
    if (path !== PATHS.manifest && !listed.has(path))
      problems.push(`${path} is not in the manifest`);
  }
  return problems.length > 0
    ? fail("MANIFEST_DIGEST", problems.join("; "))
    : pass("MANIFEST_DIGEST", `${listed.size} files match their SHA-256 in ${PATHS.manifest}`);
}
