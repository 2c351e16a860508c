import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DirectoryError, parseOrganId } from "@edoc/directory";
import {
  createDevPki,
  type DevPkiState,
  exportPkcs12,
  issueAgencyCertificate,
  issueCrl,
  issueHubCertificate,
  PkiError,
  parseDevPkiState,
  REVOCATION_REASONS,
  type RevocationReason,
  revokeCertificate,
} from "@edoc/pki";
import { CliError, type Command } from "../command.js";

const USAGE = "pki init|issue|hub|revoke|crl [--dir D]   development PKI (see docs/signatures.md)";
const HELP = `usage:
  edoc pki init   [--dir D] [--force]
  edoc pki issue  [--dir D] --organ ORGANID [--name N] [--days N] [--password P]
  edoc pki hub    [--dir D] [--host H ...] [--name N] [--organ ORGANID] [--days N]
  edoc pki revoke [--dir D] --organ ORGANID | --serial HEX [--reason R]
  edoc pki crl    [--dir D] [--days N]
D defaults to $EDOC_PKI_DIR, then .state/pki (where the agency client commands look).`;

const DAY_MS = 24 * 3600 * 1000;

/**
 * `edoc pki`: a development PKI kept in a directory. D/pki.json holds the whole state, CA keys
 * included (written 0600); the PEM files beside it are derived views for other tools.
 */
export const pkiCommand: Command = {
  name: "pki",
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    const args = readArgs(rest);
    try {
      switch (sub) {
        case "init":
          return await init(args);
        case "issue":
          return await issue(args);
        case "hub":
          return await hub(args);
        case "revoke":
          return revoke(args);
        case "crl":
          return await crl(args);
        default:
          throw new CliError(HELP, 2);
      }
    } catch (err) {
      if (err instanceof PkiError || err instanceof DirectoryError) {
        throw new CliError(`${err.message} [${err.code}]`, 2);
      }
      throw err;
    }
  },
};

interface Args {
  dir: string;
  force: boolean;
  organ?: string;
  name?: string;
  days?: string;
  password?: string;
  hosts: string[];
  serial?: string;
  reason?: string;
}

function readArgs(argv: string[]): Args {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        dir: { type: "string" },
        force: { type: "boolean" },
        organ: { type: "string" },
        name: { type: "string" },
        days: { type: "string" },
        password: { type: "string" },
        host: { type: "string", multiple: true },
        serial: { type: "string" },
        reason: { type: "string" },
      },
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
    return {
      dir: values.dir ?? process.env.EDOC_PKI_DIR ?? ".state/pki",
      force: values.force === true,
      hosts: values.host ?? [],
      ...(values.organ !== undefined ? { organ: values.organ } : {}),
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.days !== undefined ? { days: values.days } : {}),
      ...(values.password !== undefined ? { password: values.password } : {}),
      ...(values.serial !== undefined ? { serial: values.serial } : {}),
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
    };
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)}\n${HELP}`, 2);
  }
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function days(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 36500) {
    throw new CliError(`--days must be a whole number of days from 1 to 36500, got ${raw}`, 2);
  }
  return n;
}

/** Writes atomically; secrets get 0600 even when the file already existed. */
function write(file: string, content: string | Uint8Array, secret = false): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: secret ? 0o600 : 0o644 });
  if (secret) chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function stateFile(dir: string): string {
  return join(dir, "pki.json");
}

function load(dir: string): DevPkiState {
  const file = stateFile(dir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new CliError(`no PKI in ${dir} (${file} is missing): run edoc pki init --dir ${dir}`, 2);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`,
      2,
    );
  }
  return parseDevPkiState(json);
}

function save(dir: string, state: DevPkiState): void {
  write(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`, true);
}

async function init(a: Args): Promise<number> {
  if (existsSync(stateFile(a.dir)) && !a.force) {
    throw new CliError(
      `${stateFile(a.dir)} exists: refusing to overwrite a PKI (every certificate it issued would be orphaned); pass --force to replace it`,
      1,
    );
  }
  mkdirSync(a.dir, { recursive: true, mode: 0o700 });
  const state = await createDevPki();
  save(a.dir, state);
  write(join(a.dir, "root-ca.pem"), state.root.certificatePem);
  write(join(a.dir, "issuing-ca.pem"), state.issuing.certificatePem);
  write(join(a.dir, "chain.pem"), state.issuing.certificatePem + state.root.certificatePem);
  print(`development PKI created in ${a.dir}`);
  print(`  pki.json        state with the CA keys (0600): keep it private`);
  print(`  root-ca.pem     trust anchor (edoc verify --trust)`);
  print(`  issuing-ca.pem  issuing CA; chain.pem = issuing + root`);
  return 0;
}

async function issue(a: Args): Promise<number> {
  if (a.organ === undefined) throw new CliError(`pki issue needs --organ ORGANID\n${HELP}`, 2);
  const organId = parseOrganId(a.organ, "--organ");
  const state = load(a.dir);
  const notBefore = new Date(Date.now() - 5 * 60 * 1000);
  const issued = await issueAgencyCertificate(state, {
    organId,
    name: a.name ?? `Agency ${organId}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days(a.days, 365) * DAY_MS),
  });
  const password = a.password ?? "changeit";
  const p12 = exportPkcs12({
    privateKeyPem: issued.privateKeyPem,
    certificatePem: issued.certificatePem,
    chainPems: [state.issuing.certificatePem, state.root.certificatePem],
    password,
    friendlyName: organId,
  });
  const dir = join(a.dir, "agencies", organId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  save(a.dir, issued.state);
  write(join(dir, "key.pem"), issued.privateKeyPem, true);
  write(join(dir, "cert.pem"), issued.certificatePem);
  write(join(dir, "agency.p12"), p12, true);
  print(`issued certificate ${issued.serialNumber} for ${organId} in ${dir}`);
  print(`  key.pem, cert.pem, agency.p12 (PKCS#12 password: ${password})`);
  return 0;
}

async function hub(a: Args): Promise<number> {
  const state = load(a.dir);
  const notBefore = new Date(Date.now() - 5 * 60 * 1000);
  const issued = await issueHubCertificate(state, {
    name: a.name ?? "edoc-hub",
    hosts: a.hosts,
    ...(a.organ !== undefined ? { organId: parseOrganId(a.organ, "--organ") } : {}),
    notBefore,
    notAfter: new Date(notBefore.getTime() + days(a.days, 365) * DAY_MS),
  });
  const dir = join(a.dir, "hub");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  save(a.dir, issued.state);
  write(join(dir, "key.pem"), issued.privateKeyPem, true);
  write(join(dir, "cert.pem"), issued.certificatePem);
  const names = ["localhost", "127.0.0.1", ...a.hosts].join(", ");
  print(`issued hub certificate ${issued.serialNumber} (${names}) in ${dir}`);
  return 0;
}

function revoke(a: Args): number {
  if ((a.organ === undefined) === (a.serial === undefined)) {
    throw new CliError(`pki revoke needs --organ ORGANID or --serial HEX\n${HELP}`, 2);
  }
  const reason = a.reason ?? "unspecified";
  if (!(REVOCATION_REASONS as readonly string[]).includes(reason)) {
    throw new CliError(`--reason must be one of ${REVOCATION_REASONS.join(", ")}`, 2);
  }
  let state = load(a.dir);
  const revokedSerials = new Set(state.revoked.map((r) => r.serialNumber));
  const organId = a.organ === undefined ? undefined : parseOrganId(a.organ, "--organ");
  // An agency's every live certificate goes: a compromised key may have several.
  const serials =
    organId !== undefined
      ? state.issued
          .filter((c) => c.organId === organId && !revokedSerials.has(c.serialNumber))
          .map((c) => c.serialNumber)
      : [a.serial ?? ""];
  if (serials.length === 0) {
    throw new CliError(`no unrevoked certificate was issued for ${organId}`, 1);
  }
  for (const serial of serials) {
    state = revokeCertificate(state, serial, { reason: reason as RevocationReason });
  }
  save(a.dir, state);
  print(`revoked ${serials.join(", ")} (${reason}); run edoc pki crl --dir ${a.dir} to publish`);
  return 0;
}

async function crl(a: Args): Promise<number> {
  const state = load(a.dir);
  const thisUpdate = new Date();
  const nextUpdate = new Date(thisUpdate.getTime() + days(a.days, 7) * DAY_MS);
  write(join(a.dir, "crl.pem"), await issueCrl(state, { thisUpdate, nextUpdate }));
  write(
    join(a.dir, "root-crl.pem"),
    await issueCrl(state, { thisUpdate, nextUpdate, issuer: "root" }),
  );
  print(
    `${join(a.dir, "crl.pem")}: ${state.revoked.length} revoked certificate(s); root CRL in root-crl.pem`,
  );
  return 0;
}
