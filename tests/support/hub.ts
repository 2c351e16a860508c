import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, openSync, writeFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Bus } from "@edoc/bus";
import {
  type CreateDevPkiOptions,
  createDevPki,
  type DevPkiState,
  issueAgencyCertificate,
  issueCrl,
  issueHubCertificate,
  type Publication,
  revokeCertificate,
} from "@edoc/pki";
import { MongoClient } from "mongodb";
import { amqpUrl, mongoUrl, uniqueName } from "./env.js";

/**
 * A whole hub for end-to-end tests: a fresh development PKI, and the three services started as
 * real processes (their built `dist/main.js`) against the real RabbitMQ and FerretDB, under a
 * queue prefix and database of their own.
 */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export type ServiceName = "signer" | "archive" | "router" | "gateway" | "console";
/** A running process: a service's first instance by its name, a further one as `name#n`. */
export type InstanceName = ServiceName | `${ServiceName}#${number}`;

export interface Agent {
  organId: string;
  certPem: string;
  keyPem: string;
  serialNumber: string;
}

export interface HubOptions {
  agencies: string[];
  /** A directory (`edoc-directory/1` JSON) instead of the built-in demo network. */
  directory?: unknown;
  actsFor?: Record<string, string[]>;
  env?: Record<string, string>;
  /** How the development PKI is created (e.g. its CRL distribution point URLs). */
  pki?: CreateDevPkiOptions;
  /**
   * Another hub's PKI, continued (federation tests: the hubs trust one chain, as the national
   * PKI makes them). Give it a `nextSerial` of its own so serial numbers never repeat.
   */
  pkiState?: DevPkiState;
  /** Revocation URLs written into one agency's certificate (default: the PKI's). */
  publicationFor?: (organId: string) => Publication | undefined;
  /** Also start the operators' console (services/console) with these accounts. */
  console?: { users: ConsoleUser[] };
  /** Names the hub's queue prefix and directory (several hubs in one test: federation). */
  name?: string;
}

export interface ConsoleUser {
  username: string;
  password: string;
  role: "operator" | "auditor";
}

/** A console account with a fresh random password. */
export function consoleUser(username: string, role: ConsoleUser["role"]): ConsoleUser {
  return { username, password: `${role}-${randomBytes(9).toString("base64url")}`, role };
}

export class TestHub {
  readonly prefix: string;
  readonly dbName: string;
  readonly dir: string;
  readonly agents = new Map<string, Agent>();
  private readonly procs = new Map<InstanceName, ChildProcess>();
  port = 0;
  opsPort = 0;
  archiveOpsPort = 0;
  /** The console's HTTPS port (with `console` in the options). */
  consolePort = 0;
  consoleOpsPort = 0;
  routerOpsPort = 0;
  /** The VDXP listener's HTTPS port (national axis protocol). */
  vdxpPort = 0;
  pki!: DevPkiState;
  chainPem = "";
  private env: Record<string, string> = {};

  constructor(private readonly opts: HubOptions) {
    this.prefix = uniqueName(opts.name ? `t-e2e-${opts.name}` : "t-e2e");
    this.dbName = this.prefix.replaceAll("-", "_");
    this.dir = join(repoRoot, "test-output", this.prefix);
    mkdirSync(this.dir, { recursive: true });
  }

  async start(): Promise<void> {
    this.pki = this.opts.pkiState ?? (await createDevPki(this.opts.pki));
    const hub = await issueHubCertificate(this.pki, { name: "Trục liên thông (test)" });
    this.pki = hub.state;
    for (const id of this.opts.agencies) await this.issue(id);
    this.chainPem = `${this.pki.root.certificatePem}${this.pki.issuing.certificatePem}`;
    writeFileSync(join(this.dir, "chain.pem"), this.chainPem);
    writeFileSync(join(this.dir, "hub.key.pem"), hub.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(this.dir, "hub.cert.pem"), hub.certificatePem);
    await this.receiptToken();
    writeFileSync(join(this.dir, "acts-for.json"), JSON.stringify(this.opts.actsFor ?? {}));
    if (this.opts.directory !== undefined) {
      writeFileSync(join(this.dir, "directory.json"), JSON.stringify(this.opts.directory));
    }
    await this.writeCrl();
    // The systems key (AES-256-GCM) sealing VDXP system secrets, 0600 like infra/up.sh's.
    writeFileSync(join(this.dir, "systems.key"), `${randomBytes(32).toString("hex")}\n`, {
      mode: 0o600,
    });
    this.port = await freePort();
    this.vdxpPort = await freePort();
    this.opsPort = await freePort();
    this.archiveOpsPort = await freePort();
    if (this.opts.console) {
      this.consolePort = await freePort();
      this.consoleOpsPort = await freePort();
      // The console shows the router's health, so the router needs a known ops port.
      this.routerOpsPort = await freePort();
      writeConsoleUsers(join(this.dir, "console-users.json"), this.opts.console.users);
    }
    this.env = {
      EDOC_AMQP_URL: amqpUrl,
      EDOC_MONGO_URL: mongoUrl,
      EDOC_DB_NAME: this.dbName,
      EDOC_BUS_PREFIX: this.prefix,
      EDOC_HUB_KEY: join(this.dir, "hub.key.pem"),
      EDOC_HUB_CERT: join(this.dir, "hub.cert.pem"),
      EDOC_RECEIPT_CERT: join(this.dir, "receipt.cert.pem"),
      EDOC_TRUST_FILE: join(this.dir, "chain.pem"),
      EDOC_CRL_FILES: `${join(this.dir, "crl.pem")},${join(this.dir, "root-crl.pem")}`,
      EDOC_ACTS_FOR_FILE: join(this.dir, "acts-for.json"),
      EDOC_GATEWAY_PORT: String(this.port),
      EDOC_VDXP_PORT: String(this.vdxpPort),
      EDOC_SYSTEMS_KEY_FILE: join(this.dir, "systems.key"),
      EDOC_OPS_PORT: String(this.opsPort),
      EDOC_ARCHIVE_OPS_PORT: String(this.archiveOpsPort),
      ...(this.opts.directory !== undefined
        ? { EDOC_DIRECTORY_FILE: join(this.dir, "directory.json") }
        : {}),
      EDOC_ROUTER_OPS_PORT: "0",
      EDOC_LOG_LEVEL: "info",
      EDOC_RECONCILE_MS: "2000",
      EDOC_CHAIN_HEAD_MS: "1000",
      ...(this.opts.console
        ? {
            EDOC_CONSOLE_PORT: String(this.consolePort),
            EDOC_CONSOLE_OPS_PORT: String(this.consoleOpsPort),
            EDOC_CONSOLE_USERS_FILE: join(this.dir, "console-users.json"),
            EDOC_ROUTER_OPS_PORT: String(this.routerOpsPort),
          }
        : {}),
      ...this.opts.env,
    };
    for (const s of ["signer", "archive", "router", "gateway"] as const) this.startService(s);
    await this.waitHealthy();
    if (this.opts.console) {
      this.startService("console");
      await this.waitConsole();
    }
  }

  /**
   * The receipt key, as infra/up.sh makes it: a second hub certificate whose key is imported
   * into a SoftHSM2 token of this hub's own (`hsm/`) and deleted from disk. Only the signer
   * process opens the token; the gateway and the archive get `receipt.cert.pem`.
   */
  private async receiptToken(): Promise<void> {
    const receipt = await issueHubCertificate(this.pki, { name: "Trục liên thông (biên nhận)" });
    this.pki = receipt.state;
    writeFileSync(join(this.dir, "receipt.cert.pem"), receipt.certificatePem);
    const keyFile = join(this.dir, "receipt.key.pem");
    writeFileSync(keyFile, receipt.privateKeyPem, { mode: 0o600 });
    const script = join(repoRoot, "infra", "softhsm.sh");
    const r = spawnSync("bash", [script, "token", join(this.dir, "hsm"), "edoc-hub", keyFile], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`receipt token not made: ${r.stderr}`);
  }

  /** The database URL its services use (EDOC_MONGO_URL, from the options or the test run's). */
  get mongoUrl(): string {
    return this.env.EDOC_MONGO_URL ?? this.opts.env?.EDOC_MONGO_URL ?? mongoUrl;
  }

  /** The broker URL its services use (EDOC_AMQP_URL). */
  get amqpUrl(): string {
    return this.env.EDOC_AMQP_URL ?? this.opts.env?.EDOC_AMQP_URL ?? amqpUrl;
  }

  /** The VDXP listener's endpoint (the SDK's `endpoint`). */
  get vdxpUrl(): string {
    return `https://localhost:${this.vdxpPort}`;
  }

  /**
   * Runs the real \`edoc system …\` (built CLI) against this hub; returns its stdout. Throws with
   * its stderr and exit code when it fails.
   */
  edocSystem(args: string[]): string {
    return this.edoc(["system", ...args]);
  }

  /** Runs the real \`edoc …\` (built CLI) with this hub's environment; returns its stdout. */
  edoc(args: string[]): string {
    const cli = join(repoRoot, "packages", "cli", "dist", "main.js");
    const r = spawnSync(process.execPath, [cli, ...args], {
      env: { ...process.env, ...this.env },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`edoc ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
    return r.stdout;
  }

  /**
   * \`edoc …\` as a child process without blocking this one: for commands that reach back into
   * something the test process serves (e.g. a TCP relay in front of another hub).
   */
  edocAsync(args: string[]): Promise<string> {
    const cli = join(repoRoot, "packages", "cli", "dist", "main.js");
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [cli, ...args],
        { env: { ...process.env, ...this.env }, encoding: "utf8" },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`edoc ${args.join(" ")}: ${err.message}: ${stderr}`));
          else resolve(stdout);
        },
      );
    });
  }

  /** Registers a VDXP system with \`edoc system add\` and returns the secret it showed once. */
  addSystem(systemId: string, organIds: string[], extra: string[] = []): string {
    const out = this.edocSystem([
      "add",
      systemId,
      ...organIds.flatMap((o) => ["--organ", o]),
      ...extra,
    ]);
    const secret = /\(shown once[^)]*\): (\S+)/.exec(out)?.[1];
    if (!secret) throw new Error(`no secret in: ${out}`);
    return secret;
  }

  /** The console's base URL (HTTPS, the hub's certificate; no client certificate). */
  get consoleUrl(): string {
    return `https://localhost:${this.consolePort}`;
  }

  /** Waits until the console (or the one on `port`) answers its login page. */
  async waitConsole(ms = 30_000, port = this.consolePort): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const status = await new Promise<number>((resolve) => {
        const req = request(
          {
            host: "127.0.0.1",
            port,
            path: "/login",
            ca: this.chainPem,
            servername: "localhost",
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", () => resolve(0));
        req.end();
      });
      if (status === 200) return;
      if (Date.now() > deadline)
        throw new Error(`console not up within ${ms} ms; logs in ${this.dir}/console.log`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async issue(
    organId: string,
    validity: { notBefore?: Date; notAfter?: Date } = {},
  ): Promise<Agent> {
    const publication = this.opts.publicationFor?.(organId);
    const r = await issueAgencyCertificate(publication ? { ...this.pki, publication } : this.pki, {
      organId,
      name: `Cơ quan ${organId}`,
      ...validity,
    });
    // The per-agency URLs went into that certificate only.
    const { publication: _, ...state } = r.state;
    this.pki = this.pki.publication ? { ...state, publication: this.pki.publication } : state;
    const agent = {
      organId,
      certPem: r.certificatePem,
      keyPem: r.privateKeyPem,
      serialNumber: r.serialNumber,
    };
    if (!validity.notAfter && !validity.notBefore) this.agents.set(organId, agent);
    return agent;
  }

  async revoke(agent: Agent): Promise<void> {
    this.pki = revokeCertificate(this.pki, agent.serialNumber, { reason: "keyCompromise" });
    await this.writeCrl();
  }

  private async writeCrl(): Promise<void> {
    writeFileSync(join(this.dir, "crl.pem"), await issueCrl(this.pki, {}));
    writeFileSync(join(this.dir, "root-crl.pem"), await issueCrl(this.pki, { issuer: "root" }));
  }

  agent(organId: string): Agent {
    const a = this.agents.get(organId);
    if (!a) throw new Error(`no test agent ${organId}`);
    return a;
  }

  /**
   * Starts a service. `instance` > 1 starts another instance beside the first (scale-out), with
   * `env` on top (its own ports); it is then known as `name#instance`.
   */
  startService(name: ServiceName, instance = 1, env: Record<string, string> = {}): void {
    const key: InstanceName = instance === 1 ? name : `${name}#${instance}`;
    const out = openSync(
      join(this.dir, `${instance === 1 ? name : `${name}-${instance}`}.log`),
      "a",
    );
    // EDOC_SERVICE_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=test-output/prof", profiles services.
    const nodeArgs = (process.env.EDOC_SERVICE_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const child = spawn(
      process.execPath,
      [...nodeArgs, join(repoRoot, "services", name, "dist", "main.js")],
      {
        env: {
          ...process.env,
          ...this.env,
          // Only the signer is told where the token and its PIN are.
          ...(name === "signer"
            ? {
                SOFTHSM2_CONF: join(this.dir, "hsm", "softhsm2.conf"),
                EDOC_PKCS11_PIN_FILE: join(this.dir, "hsm", "pin"),
                EDOC_SIGNER_OPS_PORT: "0",
              }
            : {}),
          ...env,
        },
        stdio: ["ignore", out, out],
      },
    );
    this.procs.set(key, child);
  }

  /** Changes the environment services started from now on get (restart one to apply). */
  setEnv(env: Record<string, string>): void {
    this.env = { ...this.env, ...env };
  }

  /** Sends a signal to a running service (e.g. SIGHUP: the gateway reloads its trust store). */
  signal(name: InstanceName, signal: NodeJS.Signals): void {
    const child = this.procs.get(name);
    if (!child || child.exitCode !== null) throw new Error(`${name} is not running`);
    child.kill(signal);
  }

  /** SIGKILL: the crash case; nothing in flight gets a chance to finish. */
  kill(name: InstanceName): Promise<void> {
    return this.stopService(name, "SIGKILL");
  }

  /**
   * SIGKILL to every running process at once (a whole hub crashing), see restartAll; returns the
   * services' first instances, the ones restartAll starts again.
   */
  async killAll(): Promise<ServiceName[]> {
    const keys = [...this.procs.keys()];
    await Promise.all(keys.map((k) => this.stopService(k, "SIGKILL")));
    return keys.filter((k): k is ServiceName => !k.includes("#"));
  }

  /** Starts these services again with the same environment (and ports), then waits for health. */
  async restartAll(names: readonly ServiceName[]): Promise<void> {
    for (const n of names) this.startService(n);
    await this.waitHealthy(60_000);
  }

  /** The OS process id of a running service (memory measurements). */
  pid(name: InstanceName): number | undefined {
    return this.procs.get(name)?.pid;
  }

  stopService(name: InstanceName, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.procs.get(name);
    this.procs.delete(name);
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  }

  /** Waits for the gateway on `port` (the first one by default) to answer /health with 200. */
  async waitHealthy(ms = 30_000, port = this.port): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const ok = await this.health(port).catch(() => false);
      if (ok) return;
      if (Date.now() > deadline)
        throw new Error(`hub not healthy within ${ms} ms; logs in ${this.dir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private health(port: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/health",
          method: "GET",
          ca: this.chainPem,
          servername: "localhost",
        },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  /**
   * Stops the services and removes this hub's queues and database: quorum queues left behind
   * by every test run would pile up on the broker (each is a Raft cluster with its own log).
   */
  async stop(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((n) => this.stopService(n, "SIGTERM")));
    const bus = await Bus.connect({
      url: this.env.EDOC_AMQP_URL ?? amqpUrl,
      prefix: this.prefix,
      initialRetries: 2,
    });
    try {
      await bus.deleteAll();
    } finally {
      await bus.close();
    }
    const client = await MongoClient.connect(this.env.EDOC_MONGO_URL ?? mongoUrl);
    try {
      await client.db(this.dbName).dropDatabase();
    } finally {
      await client.close();
    }
  }
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json: () => unknown;
}

/** One HTTPS call to the gateway as `agent` (mutual TLS); `hub.port` says which gateway. */
export function api(
  hub: Pick<TestHub, "port" | "chainPem">,
  agent: Agent | undefined,
  method: string,
  path: string,
  body?: Buffer | string,
  type?: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        servername: "localhost",
        port: hub.port,
        path: `/api/v1${path}`,
        method,
        ca: hub.chainPem,
        ...(agent ? { cert: agent.certPem, key: agent.keyPem } : {}),
        headers: {
          ...headers,
          ...(body === undefined ? {} : { "content-type": type ?? "application/xml" }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const buf = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: buf,
            json: () => JSON.parse(buf.toString("utf8")) as unknown,
          });
        });
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The console's users file, written by the real `edoc console add-user` (built CLI). */
function writeConsoleUsers(file: string, users: readonly ConsoleUser[]): void {
  const cli = join(repoRoot, "packages", "cli", "dist", "main.js");
  for (const u of users) {
    const r = spawnSync(
      process.execPath,
      [
        cli,
        "console",
        "add-user",
        "--file",
        file,
        "--username",
        u.username,
        "--role",
        u.role,
        "--password-stdin",
      ],
      { input: u.password, encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`edoc console add-user failed: ${r.stderr}`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}
