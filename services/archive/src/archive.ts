import type { Bus } from "@edoc/bus";
import { type Agency, demoNetwork } from "@edoc/directory";
import type { RemoteRsaSha256 } from "@edoc/receipts";
import { DEFAULT_DEADLINE_POLICY, type DeadlinePolicy } from "@edoc/routing";
import type { Logger } from "@edoc/runtime";
import type { Store } from "@edoc/store";
import type { Registry } from "prom-client";
import { Blobs } from "./blobs.js";
import { ChainHeadSigner } from "./chain-heads.js";
import { checkLayout, collections, ensureIndexes } from "./collections.js";
import { sweepExpired } from "./console-state.js";
import type { Ctx } from "./context.js";
import { handleDeadLetter } from "./dead-letters.js";
import { attestPending, seedDirectory } from "./directory.js";
import { DirectoryVersions } from "./directory-store.js";
import { hubGauges } from "./gauges.js";
import { Ledger } from "./ledger.js";
import { LeaseLocks } from "./lock.js";
import { handlePlan } from "./plans.js";
import { reconcileOnce } from "./reconciler.js";
import { applyRetention } from "./retention.js";
import { rpcDispatcher, rpcHandlers } from "./rpc.js";
import { HeadTimestamper, type TsaOptions } from "./timestamps.js";

export interface ArchiveOptions {
  store: Store;
  bus: Bus;
  log: Logger;
  /**
   * Signs chain heads with the receipt key (the signer service over the bus; the archive never
   * holds the key). Without it heads are not signed (warned once).
   */
  signHead?: RemoteRsaSha256;
  /** The receipt certificate (PEM), embedded in signed heads and evidence; holds the key's public half. */
  hubCertPem?: string;
  /** Reconciler period and the age at which a pending packet is re-published (default 5 s). */
  reconcileMs?: number;
  /** How often the chain head is signed when it moved (default 10 s). */
  chainHeadMs?: number;
  /**
   * Lease of a lock another instance may take over once its holder stopped renewing it, i.e.
   * how long a killed instance's packets wait (default 30 s; EDOC_LOCK_LEASE_MS).
   */
  lockLeaseMs?: number;
  /** The RFC 3161 TSA that timestamps signed heads (EDOC_TSA_URL); none: heads are not stamped. */
  tsa?: TsaOptions;
  /** CA certificates (PEM bundle) and CRL files put into evidence bundles, read at each export. */
  trustFile?: string;
  crlFiles?: readonly string[];
  /** Version 1 of the agency directory when the database has none (default: the demo network). */
  directorySeed?: { agencies: Agency[]; source: string };
  /** The receipt deadline the monthly reports judge deliveries by (default: the law's reading). */
  deadline?: DeadlinePolicy;
  /** The hub's state as gauges (gauges.ts), recomputed every `refreshMs`. */
  gauges?: { registry: Registry; refreshMs: number; policy: DeadlinePolicy };
  /** Days a letter's bytes are kept after acceptance (retention.ts); absent = kept forever. */
  retentionDays?: number;
  /** How often the retention job runs when there is a policy (default hourly). */
  retentionEveryMs?: number;
}

export interface Archive {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A periodic task that never overlaps itself and whose failures are logged, not thrown. */
function periodic(ms: number, log: Logger, name: string, task: () => Promise<unknown>) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    running = task()
      .then(
        () => undefined,
        (err: unknown) => log.error({ err, task: name }, "periodic task failed"),
      )
      .finally(() => {
        running = undefined;
        if (timer) timer = setTimeout(tick, ms);
      });
  };
  return {
    start() {
      timer = setTimeout(tick, ms);
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

/**
 * The archive: packets, their bytes, deliveries and the receipt chain in MongoDB; the
 * `archive.rpc` server; consumers of `archive.plans` and `dead`; the reconciler and the chain
 * head signer. Any number may run on one database and bus prefix (see docs/archive.md).
 */
export async function createArchive(opts: ArchiveOptions): Promise<Archive> {
  const c = collections(opts.store.db);
  const log = opts.log;
  const ledger = new Ledger(c, log);
  const ctx: Ctx = {
    c,
    blobs: new Blobs(c),
    ledger,
    directory: new DirectoryVersions(c.directoryVersions),
    bus: opts.bus,
    log,
    locks: new LeaseLocks(c.locks, log, { leaseMs: opts.lockLeaseMs ?? 30_000 }),
    reconcileMs: opts.reconcileMs ?? 5_000,
    recentPackets: new Map(),
  };
  const timestamper = opts.tsa && new HeadTimestamper(c, log, opts.tsa);
  const heads = new ChainHeadSigner(c, ledger, log, opts.signHead, opts.hubCertPem, timestamper);
  const handlers = rpcHandlers(
    async () => {
      const head = ledger.head();
      return {
        database: await opts.store.ping(),
        ...(head ? { chainHead: { seq: head.seq, hash: head.hash } } : {}),
      };
    },
    {
      signHead: () => heads.signIfMoved(),
      ...(opts.hubCertPem ? { hubCertPem: opts.hubCertPem } : {}),
      ...(opts.trustFile ? { trustFile: opts.trustFile } : {}),
      crlFiles: opts.crlFiles ?? [],
    },
    { deadline: opts.deadline ?? DEFAULT_DEADLINE_POLICY },
    opts.retentionDays,
  );
  const reconciler = periodic(ctx.reconcileMs, log, "reconcile", () => reconcileOnce(ctx));
  const directoryReceipts = periodic(ctx.reconcileMs, log, "directory-receipts", () =>
    attestPending(ctx),
  );
  const sweep = periodic(60_000, log, "expiry-sweep", () => sweepExpired(c));
  const signer = periodic(opts.chainHeadMs ?? 10_000, log, "chain-head", () => heads.tick());
  const g = opts.gauges;
  const gaugeTask =
    g && periodic(g.refreshMs, log, "gauges", hubGauges(ctx, g.registry, g.policy).refresh);
  const days = opts.retentionDays;
  const retention = days
    ? periodic(opts.retentionEveryMs ?? 3_600_000, log, "retention", () =>
        applyRetention(ctx, days, { dryRun: false, limit: 1000 }),
      )
    : undefined;
  let started = false;

  return {
    async start() {
      if (started) return;
      started = true;
      await checkLayout(c);
      await ensureIndexes(c);
      await ledger.load();
      await heads.load();
      const seed = opts.directorySeed ?? {
        agencies: demoNetwork().agencies,
        source: "demo network",
      };
      await seedDirectory(ctx, seed.agencies, seed.source);
      await opts.bus.consume("archive.plans", (msg) => handlePlan(ctx, msg));
      await opts.bus.consume("dead", (msg) => handleDeadLetter(ctx, msg));
      await opts.bus.serve("archive.rpc", rpcDispatcher(ctx, handlers));
      reconciler.start();
      directoryReceipts.start();
      signer.start();
      sweep.start();
      gaugeTask?.start();
      retention?.start();
      log.info(
        {
          chainHead: ledger.head() ?? null,
          reconcileMs: ctx.reconcileMs,
          retentionDays: days ?? null,
        },
        "archive started",
      );
    },
    async stop() {
      if (!started) return;
      started = false;
      await reconciler.stop();
      await directoryReceipts.stop();
      await signer.stop();
      await sweep.stop();
      await gaugeTask?.stop();
      await retention?.stop();
      await ctx.locks.idle();
      // A last head, so a clean shutdown leaves the chain signed up to its end.
      await heads
        .signIfMoved()
        .catch((err: unknown) => log.error({ err }, "final chain head not signed"));
      log.info("archive stopped");
    },
  };
}
