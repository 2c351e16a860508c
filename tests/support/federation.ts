import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bus, RpcError } from "@edoc/bus";
import { type Trace, Trace as TraceSchema } from "@edoc/messages";
import type { DevPkiState } from "@edoc/pki";
import { type Receipt, verifyChain } from "@edoc/receipts";
import { VdxpClient } from "@edoc/vdxp-client";
import { MongoClient } from "mongodb";
import { type Agent, repoRoot, TestHub } from "./hub.js";

/*
 * Three hubs on one machine (liên thông giữa các trục): the national axis and two provincial
 * hubs, each its own processes, queue prefix and database, all from one development PKI (the
 * national CA every hub trusts). The axis's directory says which province serves which agency
 * (`hub: "hub-a"` / `"hub-b"`); each province is a peer-hub VDXP system at the axis and links
 * to it through EDOC_UPSTREAM_*. The same three directories drive infra/federation.sh (the demo).
 */

/** Hub ids (EDOC_HUB_ID); a province's id is also its systemid at the axis. */
export const AXIS = "axis";
export const HUB_A = "hub-a";
export const HUB_B = "hub-b";
export type HubName = typeof AXIS | typeof HUB_A | typeof HUB_B;

/** Agencies of the three directories in infra/federation/ (province A is the demo's Phú Yên). */
export const COMMUNE_A = "000.20.30.H45"; // UBND Phường 1, TP Tuy Hòa (province A)
export const DISTRICT_A = "000.00.30.H45"; // UBND TP Tuy Hòa (province A)
export const DEPT_A = "000.00.02.H45"; // Sở Nội vụ tỉnh A
export const DEPT_B = "000.00.02.H17"; // Sở Nội vụ tỉnh B
export const FINANCE_B = "000.00.03.H17"; // Sở Tài chính tỉnh B
export const COMMUNE_B = "000.20.00.H17"; // UBND phường Trung tâm, tỉnh B
export const MINISTRY = "000.00.00.G09"; // Bộ Nội vụ, served by the axis itself
/** An agency no directory in the federation knows. */
export const NOWHERE = "000.00.09.H17";

const AGENCIES: Record<HubName, string[]> = {
  [AXIS]: [MINISTRY],
  [HUB_A]: [COMMUNE_A, DISTRICT_A, DEPT_A],
  [HUB_B]: [DEPT_B, FINANCE_B, COMMUNE_B],
};

export function directoryFile(hub: HubName): string {
  return join(repoRoot, "infra", "federation", `${hub}.json`);
}

export interface FederationOptions {
  /** Environment for every service of every hub (e.g. another broker or database). */
  env?: Record<string, string>;
  /**
   * The URL a province's link dials instead of the axis listener's (fault tests put a TCP relay
   * between hub-a and the axis); default the listener itself.
   */
  upstreamUrl?: (hub: typeof HUB_A | typeof HUB_B, axisVdxpPort: number) => Promise<string>;
  /** How often a province's link looks for work both ways (EDOC_UPSTREAM_POLL_MS). */
  pollMs?: number;
}

export class Federation {
  readonly axis: TestHub;
  private provinces: Partial<Record<typeof HUB_A | typeof HUB_B, TestHub>> = {};
  /** The peer-hub systems' secrets at the axis, as `edoc system add --peer-hub` printed them. */
  readonly secrets = new Map<string, string>();

  constructor(private readonly opts: FederationOptions = {}) {
    this.axis = new TestHub(this.hubOptions(AXIS, undefined, {}));
  }

  get hubA(): TestHub {
    return this.province(HUB_A);
  }

  get hubB(): TestHub {
    return this.province(HUB_B);
  }

  private province(name: typeof HUB_A | typeof HUB_B): TestHub {
    const h = this.provinces[name];
    if (!h) throw new Error(`${name} is not started`);
    return h;
  }

  hub(name: HubName): TestHub {
    return name === AXIS ? this.axis : this.province(name);
  }

  get hubs(): TestHub[] {
    return [this.axis, ...Object.values(this.provinces)];
  }

  /** The agency's certificate and key, from whichever hub serves it. */
  agent(organId: string): Agent {
    for (const h of this.hubs) {
      const a = h.agents.get(organId);
      if (a) return a;
    }
    throw new Error(`no test agent ${organId}`);
  }

  private hubOptions(name: HubName, pki: DevPkiState | undefined, env: Record<string, string>) {
    return {
      name,
      agencies: AGENCIES[name],
      directory: JSON.parse(readFileSync(directoryFile(name), "utf8")) as unknown,
      // The axis's development PKI, continued: one national CA, serial numbers apart.
      ...(pki && { pkiState: pki }),
      env: {
        EDOC_HUB_ID: name,
        EDOC_LOG_LEVEL: "info",
        ...this.opts.env,
        ...env,
      },
    };
  }

  /**
   * The axis first; each province registered there as a peer-hub system (the real
   * `edoc system add --peer-hub`), then started with its upstream link configured; finally
   * each province's directory synced from the axis on demand (`edoc directory sync`).
   */
  async start(): Promise<void> {
    await this.axis.start();
    for (const [i, name] of ([HUB_A, HUB_B] as const).entries()) {
      const secret = this.axis.addSystem(name, [], ["--peer-hub", "--name", `Trục tỉnh ${name}`]);
      this.secrets.set(name, secret);
      const url = (await this.opts.upstreamUrl?.(name, this.axis.vdxpPort)) ?? this.axis.vdxpUrl;
      const hub = new TestHub(
        this.hubOptions(
          name,
          { ...this.axis.pki, nextSerial: this.axis.pki.nextSerial + 1000 * (i + 1) },
          {
            EDOC_UPSTREAM_URL: url,
            EDOC_UPSTREAM_SYSTEM_ID: name,
            EDOC_UPSTREAM_SECRET_FILE: join(this.axis.dir, `${name}.secret`),
            EDOC_UPSTREAM_CA: join(this.axis.dir, "chain.pem"),
            EDOC_UPSTREAM_POLL_MS: String(this.opts.pollMs ?? 300),
            EDOC_UPSTREAM_TIMEOUT_MS: "10000",
          },
        ),
      );
      writeFileSync(join(this.axis.dir, `${name}.secret`), `${secret}\n`, { mode: 0o600 });
      this.provinces[name] = hub;
      await hub.start();
    }
    for (const h of [this.hubA, this.hubB]) await h.edocAsync(["directory", "sync"]);
  }

  /** A province's own VDXP client at the axis (what its link uses): refusal tests. */
  peerClient(name: typeof HUB_A | typeof HUB_B): VdxpClient {
    const secret = this.secrets.get(name);
    if (!secret) throw new Error(`${name} is not registered at the axis`);
    return new VdxpClient({
      endpoint: this.axis.vdxpUrl,
      systemId: name,
      secret,
      ca: this.axis.chainPem,
    });
  }

  async stop(): Promise<void> {
    const all = this.hubs.reverse();
    for (const h of all) await h.stop().catch(() => undefined);
  }
}

/** A hub's receipts (its hash chain) in seq order, read from its database. */
export async function receiptsOf(hub: TestHub, url = hub.mongoUrl): Promise<Receipt[]> {
  const client = await MongoClient.connect(url);
  try {
    const docs = await client.db(hub.dbName).collection("receipts").find({}).toArray();
    return docs
      .map(({ _id, key: _key, ...r }) => r as unknown as Receipt)
      .sort((a, b) => a.seq - b.seq);
  } finally {
    await client.close();
  }
}

/** Throws unless the hub's whole receipt chain verifies. */
export async function checkChain(hub: TestHub): Promise<number> {
  const receipts = await receiptsOf(hub);
  const v = verifyChain(receipts);
  if (!v.ok) throw new Error(`${hub.prefix}: chain broken: ${JSON.stringify(v.problems)}`);
  return receipts.length;
}

/**
 * The operator's trace of a packet at one hub (what its console's trace page shows: the
 * `console.trace` RPC over the hub's bus), by hubDocumentId or DocumentId; undefined when this
 * hub has no such packet.
 */
/** A trace with its federation facts: where the packet came from, its hops, each delivery's peer. */
export type HubTrace = Omit<Trace, "recipients"> & {
  fromHub?: string;
  hops?: { hub: string; at: string }[];
  recipients: (Trace["recipients"][number] & { hub?: string })[];
};

export async function operatorTrace(hub: TestHub, id: string): Promise<HubTrace | undefined> {
  const bus = await Bus.connect({ url: hub.amqpUrl, prefix: hub.prefix, initialRetries: 2 });
  try {
    const r = (await bus.call("archive.rpc", "console.trace", { id }, 15_000)) as {
      trace: unknown;
    };
    // Loose: the federation fields pass through as the archive sends them.
    return TraceSchema.loose().parse(r.trace) as HubTrace;
  } catch (err) {
    if (err instanceof RpcError && err.code === "DOCUMENT_NOT_FOUND") return undefined;
    throw err;
  } finally {
    await bus.close();
  }
}
