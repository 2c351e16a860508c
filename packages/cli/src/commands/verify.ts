import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EdxmlError, type Packet, parsePacket } from "@edoc/edxml";
import { createLogger, RevocationFetcher } from "@edoc/runtime";
import {
  SignatureError,
  type TrustPolicy,
  type VerificationReport,
  verifyPacket,
} from "@edoc/signature";
import { CliError, type Command, parseCommandArgs } from "../command.js";
import { readText, readTrustFiles } from "../files.js";

/**
 * `edoc verify`: checks an edXML packet's signature, the signer's certificate path and
 * revocation, and that the signer is bound to the packet's From. Exit 0 valid and trusted,
 * 1 invalid or untrusted (reasons printed), 2 unreadable or not edXML. Without --trust it uses
 * the development PKI's chain.pem ($EDOC_PKI_DIR, then .state/pki).
 */
export const verifyCommand: Command = {
  name: "verify",
  usage:
    "verify FILE [--trust CA.pem ...] [--crl CRL.pem ...] [--live] [--allow-sha1] [--at ISO] [--json]",
  help: `Checks the signature, the signer's certificate path and revocation, and that the signer is
bound to the packet's From. Without --trust: the development PKI's chain.pem ($EDOC_PKI_DIR,
then .state/pki). --live also fetches the CRLs and asks the OCSP responders the certificates
name (fail closed: no answer is REVOCATION_UNAVAILABLE, as at the gateway).
Exit 1 invalid or untrusted (reasons printed), 2 unreadable or not edXML.`,
  async run(argv) {
    const args = readArgs(argv);
    const policy = trustPolicy(args);
    let bytes: Buffer;
    try {
      bytes = readFileSync(args.file);
    } catch (err) {
      return unusable(
        args,
        "FILE_UNREADABLE",
        `cannot read ${args.file}: ${(err as Error).message}`,
      );
    }
    try {
      // Not edXML at all is exit 2, before any signature is looked at.
      parsePacket(bytes);
      const { report, packet } = await verifyPacket(bytes, policy).finally(() =>
        (policy.revocationSource as RevocationFetcher | undefined)?.stop(),
      );
      print(args.json ? JSON.stringify(jsonReport(report, packet), null, 2) : text(report, packet));
      return report.valid ? 0 : 1;
    } catch (err) {
      if (err instanceof EdxmlError) {
        return unusable(args, err.code, `${args.file}: ${err.message}`, err.issues);
      }
      if (err instanceof SignatureError) throw new CliError(`${err.message} [${err.code}]`, 2);
      throw err;
    }
  },
};

interface Args {
  file: string;
  trust: string[];
  crl: string[];
  live: boolean;
  allowSha1: boolean;
  at?: Date;
  json: boolean;
}

function readArgs(argv: string[]): Args {
  const { values, positionals } = parseCommandArgs(argv, {
    options: {
      trust: { type: "string", multiple: true },
      crl: { type: "string", multiple: true },
      live: { type: "boolean" },
      "allow-sha1": { type: "boolean" },
      at: { type: "string" },
      json: { type: "boolean" },
    },
    positionals: ["FILE"],
  });
  const file = positionals[0]!;
  let at: Date | undefined;
  if (values.at !== undefined) {
    at = new Date(values.at);
    if (Number.isNaN(at.getTime())) {
      throw new CliError(`--at must be an ISO 8601 date-time, got ${values.at}`, 2);
    }
  }
  return {
    file,
    trust: values.trust ?? [],
    crl: values.crl ?? [],
    live: values.live === true,
    allowSha1: values["allow-sha1"] === true,
    json: values.json === true,
    ...(at !== undefined ? { at } : {}),
  };
}

/** Self-signed certificates in the trust files are anchors; the others may complete a path. */
function trustPolicy(a: Args): TrustPolicy {
  let files = a.trust;
  if (files.length === 0) {
    const fallback = join(process.env.EDOC_PKI_DIR ?? ".state/pki", "chain.pem");
    if (!existsSync(fallback)) {
      throw new CliError(`no trust anchors: pass --trust CA.pem (or create ${fallback})`, 2);
    }
    files = [fallback];
  }
  const { trustAnchors, intermediates } = readTrustFiles(files);
  return {
    trustAnchors,
    intermediates,
    crls: a.crl.map((f) => readText(f, "CRL")),
    ...(a.live ? { revocationSource: liveSource() } : {}),
    allowSha1: a.allowSha1,
    ...(a.at !== undefined ? { at: a.at } : {}),
  };
}

/** The gateway's fetcher, for one verification (what failed is in the report's reasons). */
function liveSource(): RevocationFetcher {
  return new RevocationFetcher({
    refreshMs: 3_600_000,
    timeoutMs: 10_000,
    log: createLogger("edoc-verify", "silent"),
  });
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function unusable(a: Args, code: string, message: string, issues: unknown[] = []): number {
  print(a.json ? JSON.stringify({ valid: false, code, message, issues }, null, 2) : message);
  return 2;
}

function fromOf(packet: Packet): string {
  return packet.kind === "letter" ? packet.header.from.organId : packet.from.organId;
}

/** The report without the bulky parts (the signed XML, the certificate PEM). */
function jsonReport(report: VerificationReport, packet: Packet | undefined) {
  const { signedXml: _signed, signer, ...rest } = report;
  return {
    ...rest,
    ...(signer
      ? {
          signer: {
            subject: signer.subject,
            issuer: signer.issuer,
            serialNumber: signer.serialNumber,
            organId: signer.organIds[0] ?? null,
            organIds: signer.organIds,
            notBefore: signer.notBefore,
            notAfter: signer.notAfter,
            fingerprintSha256: signer.fingerprintSha256,
          },
        }
      : {}),
    ...(packet
      ? {
          packet: {
            kind: packet.kind,
            from: fromOf(packet),
            documentId:
              packet.kind === "letter" ? packet.header.documentId : packet.responseFor.documentId,
          },
        }
      : {}),
  };
}

function text(report: VerificationReport, packet: Packet | undefined): string {
  const lines = [report.valid ? "VALID: signature and signer trusted" : "INVALID"];
  for (const r of report.reasons) lines.push(`  ${r.code}: ${r.message}`);
  if (report.algorithm) {
    lines.push(`algorithm   ${report.algorithm}${report.legacySha1 ? " (legacy SHA-1)" : ""}`);
  }
  if (report.signer) {
    lines.push(`signer      ${report.signer.subject}`);
    lines.push(`organ ids   ${report.signer.organIds.join(", ") || "(none)"}`);
    lines.push(`serial      ${report.signer.serialNumber}`);
    lines.push(`valid       ${report.signer.notBefore} .. ${report.signer.notAfter}`);
  }
  if (packet)
    lines.push(`from        ${fromOf(packet)} (${packet.kind}, read from the signed bytes)`);
  for (const [i, c] of report.chain.entries()) lines.push(`chain[${i}]    ${c.subject}`);
  if (report.signer) {
    const crls = report.crlsUsed.map((c) => c.url ?? c.issuer).join("; ");
    const ocsp = (report.ocspUsed ?? []).map((o) => `OCSP ${o.responder}: ${o.status}`);
    const used = [...(crls ? [`CRL of ${crls}`] : []), ...ocsp].join("; ");
    const source = used ? ` (${used})` : " (no CRL for the signer's issuer was given)";
    lines.push(`revocation  ${report.revocation}${source}`);
  }
  return lines.join("\n");
}
