import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import {
  type BundleReport,
  EvidenceError,
  type VerifyBundleOptions,
  verifyBundle,
} from "@edoc/evidence";
import { isHubDocumentId } from "@edoc/routing";
import { SignatureError } from "@edoc/signature";
import { BUS_OPTIONS, callHubArchive, timeoutOf } from "../archive-rpc.js";
import {
  CliError,
  type Command,
  commandGroup,
  parseCommandArgs,
  required,
  UsageError,
} from "../command.js";
import { readTrustFiles } from "../files.js";

/** `edoc evidence export|verify`: an auditor's self-contained bundle for one letter. */
export const evidenceCommand: Command = commandGroup({
  name: "evidence",
  summary: "an auditor's evidence bundle for one letter: export from the hub, verify offline",
  subcommands: [
    {
      name: "export",
      usage:
        "evidence export --document ID -o FILE.zip [--from ORGANID] [--amqp URL] [--prefix P] [--timeout MS]",
      help: `Asks the running hub's archive (RPC evidence.export over the bus) for the bundle and writes
the ZIP. ID is the hub's doc_… id or the sender's DocumentId (--from narrows it). --amqp defaults
to $EDOC_AMQP_URL, --prefix to $EDOC_BUS_PREFIX, --timeout to 120000. Exit 1 the archive refused
(unknown document…), 2 the hub unreachable.`,
      run: exportBundle,
    },
    {
      name: "verify",
      usage:
        "evidence verify FILE.zip --trust CA.pem [--trust …] [--at ISO] [--require-timestamp] [--json]",
      help: `Checks a bundle offline against the roots you trust (never taken from the bundle), the
TSA's included: a chain head's RFC 3161 timestamp must chain to them. --require-timestamp fails
a bundle whose heads carry none. Exit 1 a check failed (each printed with its code), 2
unreadable file or trust anchors.`,
      run: verifyFile,
    },
  ],
});

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function exportBundle(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: {
      document: { type: "string" },
      output: { type: "string", short: "o" },
      from: { type: "string" },
      ...BUS_OPTIONS,
    },
  });
  const id = required(values.document, "--document ID");
  const output = required(values.output, "-o FILE.zip");
  const timeoutMs = timeoutOf(values.timeout, 120_000);
  const from = values.from;
  const params = isHubDocumentId(id)
    ? { hubDocumentId: id }
    : { documentId: id, ...(from ? { from } : {}) };
  const result = await callHubArchive(
    { amqp: values.amqp, prefix: values.prefix },
    "evidence.export",
    params,
    timeoutMs,
  );
  const bytes = Buffer.from(result.bundle, "base64");
  const digest = createHash("sha256").update(bytes).digest("hex");
  if (bytes.length !== result.size || digest !== result.sha256) {
    throw new CliError(`the bundle arrived damaged (size or SHA-256 differs)`, 2);
  }
  try {
    writeFileSync(output, bytes);
  } catch (err) {
    throw new CliError(`cannot write ${output}: ${(err as Error).message}`, 2);
  }
  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  print(
    `wrote ${output}: evidence for ${result.hubDocumentId} (DocumentId ${result.documentId}, from ${result.from}), ` +
      `${bytes.length} bytes, SHA-256 ${digest}; ${result.receipts} receipts up to the signed chain head seq ${result.chainHead.seq}, ` +
      `${result.statuses} status packet${result.statuses === 1 ? "" : "s"}`,
  );
  return 0;
}

/** Self-signed certificates in the trust files are anchors; the others may complete a path. */
function trust(files: string[]): Pick<VerifyBundleOptions, "trustAnchors" | "intermediates"> {
  if (files.length === 0) {
    throw new UsageError(
      "missing --trust CA.pem: the root(s) you trust, never taken from the bundle",
    );
  }
  return readTrustFiles(files);
}

async function verifyFile(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    options: {
      trust: { type: "string", multiple: true },
      at: { type: "string" },
      "require-timestamp": { type: "boolean" },
      json: { type: "boolean" },
    },
    positionals: ["FILE.zip"],
  });
  const file = positionals[0]!;
  const json = values.json === true;
  let at: Date | undefined;
  if (values.at !== undefined) {
    at = new Date(values.at);
    if (Number.isNaN(at.getTime())) {
      throw new CliError(`--at must be an ISO 8601 date-time, got ${values.at}`, 2);
    }
  }
  const opts: VerifyBundleOptions = {
    ...trust(values.trust ?? []),
    ...(at ? { at } : {}),
    ...(values["require-timestamp"] === true ? { requireTimestamp: true } : {}),
  };
  let zip: Buffer;
  try {
    zip = readFileSync(file);
  } catch (err) {
    return unusable(json, "FILE_UNREADABLE", `cannot read ${file}: ${(err as Error).message}`);
  }
  let report: BundleReport;
  try {
    report = await verifyBundle(zip, opts);
  } catch (err) {
    if (err instanceof EvidenceError) return unusable(json, err.code, `${file}: ${err.message}`);
    if (err instanceof SignatureError) throw new CliError(`${err.message} [${err.code}]`, 2);
    throw err;
  }
  print(json ? JSON.stringify(report, null, 2) : text(report));
  return report.valid ? 0 : 1;
}

function unusable(json: boolean, code: string, message: string): number {
  print(json ? JSON.stringify({ valid: false, code, message }, null, 2) : `${code}: ${message}`);
  return 2;
}

function text(r: BundleReport): string {
  const failed = r.checks.filter((c) => !c.ok);
  const lines = [
    r.valid
      ? `VALID: evidence for ${r.manifest.hubDocumentId} (DocumentId ${r.manifest.documentId})`
      : `INVALID: ${failed.length} of ${r.checks.length} checks failed (${failed.map((c) => c.code).join(", ")}) for ${r.manifest.hubDocumentId} (DocumentId ${r.manifest.documentId})`,
  ];
  for (const c of r.checks) {
    lines.push(`  ${c.ok ? "ok  " : "FAIL"}  ${(c.code ?? c.name).padEnd(21)} ${c.message}`);
  }
  if (r.letter) {
    lines.push(`letter      ${r.letter.from} → ${r.letter.to.join(", ")}  "${r.letter.subject}"`);
    lines.push(`digest      ${r.letter.digest}`);
  }
  if (r.signer) {
    lines.push(`signer      ${r.signer.subject} (serial ${r.signer.serialNumber})`);
    if (r.signer.signingTime)
      lines.push(`signed at   ${r.signer.signingTime} (XAdES, the signer's claim)`);
  }
  for (const p of r.pdfs) {
    lines.push(`pdf         ${p.path}: ${p.verdict}`);
    for (const s of p.signatures) {
      const updated = s.coversWholeFile ? "" : ", followed by later updates";
      lines.push(`              ${s.holder} ${s.signer ?? "?"}: ${s.verdict}${updated}`);
    }
  }
  if (r.acceptance)
    lines.push(`accepted    ${r.acceptance.receivedAt} (hub-signed acceptance receipt)`);
  if (r.chainHead) lines.push(`chain head  seq ${r.chainHead.seq} signed ${r.chainHead.at}`);
  for (const t of r.timestamps) {
    lines.push(`timestamp   seq ${t.seq} at ${t.time} by ${t.tsa} (RFC 3161)`);
  }
  if (r.receipts.length > 0) lines.push("receipts");
  for (const x of r.receipts) {
    const extra = [x.organId, x.deliveryId, x.data?.code, x.data?.result]
      .filter((v) => v !== undefined && v !== null)
      .join("  ");
    lines.push(`  seq ${String(x.seq).padEnd(6)}${x.type.padEnd(14)}${x.at}  ${extra}`.trimEnd());
  }
  for (const s of r.statuses) {
    lines.push(
      `status      ${s.file}: ${s.code ?? "?"} from ${s.from ?? "?"} accepted ${s.acceptedAt ?? "?"}${s.valid ? "" : " (INVALID)"}`,
    );
  }
  return lines.join("\n");
}
