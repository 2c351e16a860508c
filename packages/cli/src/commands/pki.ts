import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DirectoryError, parseOrganId } from "@edoc/directory";
import {
  createDevPki,
  type DevPkiState,
  exportPkcs12,
  issueAgencyCertificate,
  issueCrl,
  issueHubCertificate,
  issueTsaCertificate,
  PkiError,
  parseDevPkiState,
  REVOCATION_REASONS,
  type RevocationReason,
  revokeCertificate,
} from "@edoc/pki";
import {
  CliError,
  type Command,
  commandGroup,
  parseCommandArgs,
  required,
  UsageError,
} from "../command.js";

const DAY_MS = 24 * 3600 * 1000;
const DIR_HELP =
  "D defaults to $EDOC_PKI_DIR, then .state/pki (where the agency client commands look).";
const DIR = { dir: { type: "string" } } as const;

/**
 * `edoc pki`: a development PKI kept in a directory. D/pki.json holds the whole state, CA keys
 * included (written 0600); the PEM files beside it are derived views for other tools.
 */
export const pkiCommand: Command = commandGroup({
  name: "pki",
  summary: "development PKI (see docs/signatures.md)",
  help: DIR_HELP,
  subcommands: [
    {
      name: "init",
      usage: "pki init [--dir D] [--force]   root and issuing CA",
      help: `${DIR_HELP}\nExit 1 when D already holds a PKI (--force replaces it).`,
      run: refusalsAsErrors(init),
    },
    {
      name: "issue",
      usage: "pki issue [--dir D] --organ ORGANID [--name N] [--days N] [--password P]",
      help: `An agency certificate bound to its OrganId: key.pem, cert.pem, agency.p12 in
D/agencies/ORGANID (PKCS#12 password P, default changeit; valid N days, default 365).\n${DIR_HELP}`,
      run: refusalsAsErrors(issue),
    },
    {
      name: "hub",
      usage: "pki hub [--dir D] [--host H ...] [--name N] [--organ ORGANID] [--days N]",
      help: `The hub's TLS and receipt-signing certificate in D/hub (localhost, 127.0.0.1 and each H).\n${DIR_HELP}`,
      run: refusalsAsErrors(hub),
    },
    {
      name: "tsa",
      usage: "pki tsa [--dir D] [--name N] [--days N]",
      help: `A time-stamping authority's certificate (EKU timeStamping) in D/tsa, for a local
RFC 3161 TSA such as openssl ts -reply (see docs/receipts.md).\n${DIR_HELP}`,
      run: refusalsAsErrors(tsa),
    },
    {
      name: "revoke",
      usage: "pki revoke [--dir D] --organ ORGANID | --serial HEX [--reason R]",
      help: `R: ${REVOCATION_REASONS.join(", ")}. Publish with edoc pki crl.\n${DIR_HELP}`,
      run: refusalsAsErrors(async (argv) => revoke(argv)),
    },
    {
      name: "crl",
      usage: "pki crl [--dir D] [--days N]   publish crl.pem and root-crl.pem",
      help: `The CRLs are valid N days (default 7).\n${DIR_HELP}`,
      run: refusalsAsErrors(crl),
    },
  ],
});

/** PKI and directory refusals are the user's to fix: one line with their code, exit 2. */
function refusalsAsErrors(run: (argv: string[]) => Promise<number>) {
  return async (argv: string[]): Promise<number> => {
    try {
      return await run(argv);
    } catch (err) {
      if (err instanceof PkiError || err instanceof DirectoryError) {
        throw new CliError(`${err.message} [${err.code}]`, 2);
      }
      throw err;
    }
  };
}

function dirOf(values: { dir?: string | undefined }): string {
  return values.dir ?? process.env.EDOC_PKI_DIR ?? ".state/pki";
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

async function init(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { options: { ...DIR, force: { type: "boolean" } } });
  const a = { dir: dirOf(values), force: values.force === true };
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

async function issue(argv: string[]): Promise<number> {
  const { values: a } = parseCommandArgs(argv, {
    options: {
      ...DIR,
      organ: { type: "string" },
      name: { type: "string" },
      days: { type: "string" },
      password: { type: "string" },
    },
  });
  const pkiDir = dirOf(a);
  const organId = parseOrganId(required(a.organ, "--organ ORGANID"), "--organ");
  const state = load(pkiDir);
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
  const dir = join(pkiDir, "agencies", organId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  save(pkiDir, issued.state);
  write(join(dir, "key.pem"), issued.privateKeyPem, true);
  write(join(dir, "cert.pem"), issued.certificatePem);
  write(join(dir, "agency.p12"), p12, true);
  print(`issued certificate ${issued.serialNumber} for ${organId} in ${dir}`);
  print(`  key.pem, cert.pem, agency.p12 (PKCS#12 password: ${password})`);
  return 0;
}

async function hub(argv: string[]): Promise<number> {
  const { values: a } = parseCommandArgs(argv, {
    options: {
      ...DIR,
      host: { type: "string", multiple: true },
      name: { type: "string" },
      organ: { type: "string" },
      days: { type: "string" },
    },
  });
  const pkiDir = dirOf(a);
  const hosts = a.host ?? [];
  const state = load(pkiDir);
  const notBefore = new Date(Date.now() - 5 * 60 * 1000);
  const issued = await issueHubCertificate(state, {
    name: a.name ?? "edoc-hub",
    hosts: hosts,
    ...(a.organ !== undefined ? { organId: parseOrganId(a.organ, "--organ") } : {}),
    notBefore,
    notAfter: new Date(notBefore.getTime() + days(a.days, 365) * DAY_MS),
  });
  const dir = saveLeaf(pkiDir, "hub", issued);
  const names = ["localhost", "127.0.0.1", ...hosts].join(", ");
  print(`issued hub certificate ${issued.serialNumber} (${names}) in ${dir}`);
  return 0;
}

async function tsa(argv: string[]): Promise<number> {
  const { values: a } = parseCommandArgs(argv, {
    options: { ...DIR, name: { type: "string" }, days: { type: "string" } },
  });
  const pkiDir = dirOf(a);
  const state = load(pkiDir);
  const notBefore = new Date(Date.now() - 5 * 60 * 1000);
  const issued = await issueTsaCertificate(state, {
    name: a.name ?? "edoc-tsa",
    notBefore,
    notAfter: new Date(notBefore.getTime() + days(a.days, 365) * DAY_MS),
  });
  const dir = saveLeaf(pkiDir, "tsa", issued);
  print(`issued TSA certificate ${issued.serialNumber} in ${dir}`);
  return 0;
}

/** Saves the new state and writes D/<sub>/key.pem (0600) and cert.pem; returns D/<sub>. */
function saveLeaf(
  pkiDir: string,
  sub: string,
  issued: { state: DevPkiState; privateKeyPem: string; certificatePem: string },
): string {
  const dir = join(pkiDir, sub);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  save(pkiDir, issued.state);
  write(join(dir, "key.pem"), issued.privateKeyPem, true);
  write(join(dir, "cert.pem"), issued.certificatePem);
  return dir;
}

function revoke(argv: string[]): number {
  const { values: a } = parseCommandArgs(argv, {
    options: {
      ...DIR,
      organ: { type: "string" },
      serial: { type: "string" },
      reason: { type: "string" },
    },
  });
  const pkiDir = dirOf(a);
  if ((a.organ === undefined) === (a.serial === undefined)) {
    throw new UsageError("give --organ ORGANID or --serial HEX (one of them)");
  }
  const reason = a.reason ?? "unspecified";
  if (!(REVOCATION_REASONS as readonly string[]).includes(reason)) {
    throw new CliError(`--reason must be one of ${REVOCATION_REASONS.join(", ")}`, 2);
  }
  let state = load(pkiDir);
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
  save(pkiDir, state);
  print(`revoked ${serials.join(", ")} (${reason}); run edoc pki crl --dir ${pkiDir} to publish`);
  return 0;
}

async function crl(argv: string[]): Promise<number> {
  const { values: a } = parseCommandArgs(argv, { options: { ...DIR, days: { type: "string" } } });
  const pkiDir = dirOf(a);
  const state = load(pkiDir);
  const thisUpdate = new Date();
  const nextUpdate = new Date(thisUpdate.getTime() + days(a.days, 7) * DAY_MS);
  write(join(pkiDir, "crl.pem"), await issueCrl(state, { thisUpdate, nextUpdate }));
  write(
    join(pkiDir, "root-crl.pem"),
    await issueCrl(state, { thisUpdate, nextUpdate, issuer: "root" }),
  );
  print(
    `${join(pkiDir, "crl.pem")}: ${state.revoked.length} revoked certificate(s); root CRL in root-crl.pem`,
  );
  return 0;
}
