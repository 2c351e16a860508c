import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { basename, join } from "node:path";
import { DirectoryError, parseOrganId } from "@edoc/directory";
import {
  createDevPki,
  type DevPkiState,
  exportPkcs12,
  ISSUING_CRL_FILE,
  issueAgencyCertificate,
  issueCrl,
  issueHubCertificate,
  issueTsaCertificate,
  ocspIndex,
  PkiError,
  parseDevPkiState,
  REVOCATION_REASONS,
  type RevocationReason,
  ROOT_CRL_FILE,
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
      usage: "pki init [--dir D] [--force] [--crl-url BASE] [--ocsp-url URL]   root and issuing CA",
      help: `${DIR_HELP}\nExit 1 when D already holds a PKI (--force replaces it).
--crl-url BASE: certificates name BASE/${ROOT_CRL_FILE} (issuing CA) and BASE/${ISSUING_CRL_FILE}
(agencies, hub) as CRL distribution points; serve D/published at BASE.
--ocsp-url URL: agency and hub certificates name URL as their OCSP responder
(openssl ocsp -index D/published/index.txt answers for it).`,
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
      usage:
        "pki hub [--dir D] [--host H ...] [--name N] [--organ ORGANID] [--days N] [--subdir hub|receipts]",
      help: `A hub certificate (localhost, 127.0.0.1 and each H) in D/hub: the HTTPS servers' TLS identity; with --subdir receipts in D/receipts: the receipt key, to import into the signer's PKCS#11 token (infra/softhsm.sh).\n${DIR_HELP}`,
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
      help: `R: ${REVOCATION_REASONS.join(", ")}. Publishes at once (as edoc pki crl).\n${DIR_HELP}`,
      run: refusalsAsErrors(revoke),
    },
    {
      name: "crl",
      usage: "pki crl [--dir D] [--days N]   publish the CRLs and the OCSP index",
      help: `crl.pem and root-crl.pem in D; ${ISSUING_CRL_FILE}, ${ROOT_CRL_FILE} (DER) and index.txt in
D/published. The CRLs are valid N days (default 7).\n${DIR_HELP}`,
      run: refusalsAsErrors(crl),
    },
    {
      name: "serve",
      usage: "pki serve [--dir D] [--host H] [--port N]   serve D/published over HTTP",
      help: `The CA's distribution point for development: GET /<file> answers D/published/<file>
(issuing.crl, root.crl), read at each request, so a revoke is served at once. Host default
127.0.0.1, port default 8480 (init --crl-url http://127.0.0.1:8480). Runs until stopped.\n${DIR_HELP}`,
      run: refusalsAsErrors(serve),
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
  const { values } = parseCommandArgs(argv, {
    options: {
      ...DIR,
      force: { type: "boolean" },
      "crl-url": { type: "string" },
      "ocsp-url": { type: "string" },
    },
  });
  const a = { dir: dirOf(values), force: values.force === true };
  if (existsSync(stateFile(a.dir)) && !a.force) {
    throw new CliError(
      `${stateFile(a.dir)} exists: refusing to overwrite a PKI (every certificate it issued would be orphaned); pass --force to replace it`,
      1,
    );
  }
  mkdirSync(a.dir, { recursive: true, mode: 0o700 });
  const crlBaseUrl = values["crl-url"];
  const ocspUrl = values["ocsp-url"];
  const state = await createDevPki({
    publication: {
      ...(crlBaseUrl !== undefined ? { crlBaseUrl } : {}),
      ...(ocspUrl !== undefined ? { ocspUrl } : {}),
    },
  });
  save(a.dir, state);
  await publish(a.dir, state, 7);
  write(join(a.dir, "root-ca.pem"), state.root.certificatePem);
  write(join(a.dir, "issuing-ca.pem"), state.issuing.certificatePem);
  write(join(a.dir, "chain.pem"), state.issuing.certificatePem + state.root.certificatePem);
  print(`development PKI created in ${a.dir}`);
  print(`  pki.json        state with the CA keys (0600): keep it private`);
  print(`  root-ca.pem     trust anchor (edoc verify --trust)`);
  print(`  issuing-ca.pem  issuing CA; chain.pem = issuing + root`);
  print(`  published/      CRLs (DER) and the OCSP index, republished by revoke and crl`);
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
      subdir: { type: "string" },
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
  // --subdir receipts: a second hub certificate, for the key the signer's token will hold.
  const sub = a.subdir ?? "hub";
  if (!/^[a-z0-9-]+$/.test(sub)) throw new UsageError("--subdir must be a plain directory name");
  const dir = saveLeaf(pkiDir, sub, issued);
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

async function revoke(argv: string[]): Promise<number> {
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
  await publish(pkiDir, state, 7);
  print(`revoked ${serials.join(", ")} (${reason}); CRLs and OCSP index republished`);
  return 0;
}

async function crl(argv: string[]): Promise<number> {
  const { values: a } = parseCommandArgs(argv, { options: { ...DIR, days: { type: "string" } } });
  const pkiDir = dirOf(a);
  const state = load(pkiDir);
  await publish(pkiDir, state, days(a.days, 7));
  print(
    `${join(pkiDir, "crl.pem")}: ${state.revoked.length} revoked certificate(s); root CRL in root-crl.pem`,
  );
  return 0;
}

/**
 * Writes the CRLs (PEM in D for EDOC_CRL_FILES, DER in D/published for distribution points)
 * and the OCSP responder's index: after `revoke`, relying parties that fetch see it at once.
 */
async function publish(pkiDir: string, state: DevPkiState, validDays: number): Promise<void> {
  const thisUpdate = new Date();
  const nextUpdate = new Date(thisUpdate.getTime() + validDays * DAY_MS);
  const issuing = await issueCrl(state, { thisUpdate, nextUpdate });
  const root = await issueCrl(state, { thisUpdate, nextUpdate, issuer: "root" });
  write(join(pkiDir, "crl.pem"), issuing);
  write(join(pkiDir, "root-crl.pem"), root);
  const published = join(pkiDir, "published");
  mkdirSync(published, { recursive: true, mode: 0o755 });
  write(join(published, ISSUING_CRL_FILE), derOf(issuing));
  write(join(published, ROOT_CRL_FILE), derOf(root));
  write(join(published, "index.txt"), ocspIndex(state));
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----/g, "").replace(/\s+/g, ""), "base64");
}

async function serve(argv: string[]): Promise<number> {
  const { values: a } = parseCommandArgs(argv, {
    options: { ...DIR, host: { type: "string" }, port: { type: "string" } },
  });
  const published = join(dirOf(a), "published");
  const host = a.host ?? "127.0.0.1";
  const port = Number(a.port ?? "8480");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`--port must be a port number, got ${a.port}`, 2);
  }
  const server = createServer((req, res) => {
    // One flat directory: only a file name is taken from the path, never a relative path.
    const name = basename(new URL(req.url ?? "/", "http://x").pathname);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(published, name));
    } catch {
      res.writeHead(404).end();
      return;
    }
    const type = name.endsWith(".crl") ? "application/pkix-crl" : "application/octet-stream";
    res.writeHead(200, { "content-type": type, "content-length": bytes.length });
    res.end(req.method === "HEAD" ? undefined : bytes);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new CliError(`cannot listen: ${err.message}`, 1)));
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  print(`serving ${published} at http://${host}:${bound}`);
  return 0;
}
