import { type Bus, RpcBytes } from "@edoc/bus";
import { UPSTREAM_HUB } from "@edoc/directory";
import { appendHop, linkBackoffMs } from "@edoc/federation";
import {
  type InboxItem,
  type RpcMethod,
  type RpcParamsOf,
  type RpcResultOf,
  RpcResults,
} from "@edoc/messages";
import type { Logger, UpstreamConfig } from "@edoc/runtime";
import { VdxpClient } from "@edoc/vdxp-client";
import { Counter, Gauge, type Registry } from "prom-client";
import { classify } from "./refusal.js";

export interface ForwarderDeps {
  bus: Bus;
  log: Logger;
  metrics: Registry;
  /** EDOC_HUB_ID: the hop entry this hub adds */
  hubId: string;
  upstream: UpstreamConfig;
  /** forwards in flight at once (default 8) */
  concurrency?: number;
}

const HUBS = [UPSTREAM_HUB];
const BATCH = 200;

/**
 * The outbound half of the upstream link (liên thông lên trục): the deliveries the router gave
 * to `upstream`, oldest first, fetched from the archive and sent to the upstream's VDXP listener
 * as this hub's system, with the hop trace beside them. Acked only after the far side's answer:
 * `done` with its DocId (a `forwarded` receipt), or `fail` when it refused for good (the sender's
 * return). A crash before the ack resends; the far side's dedupe answers with the same DocId.
 *
 * Order: packets about one document (a letter, its revoke, its statuses) go one at a time, in
 * acceptance order, and a later one waits while an earlier one is being retried: a status 06
 * must not overtake its 03.
 */
export function startForwarder(deps: ForwarderDeps): { stop(): Promise<void> } {
  const u = deps.upstream;
  const client = new VdxpClient({
    endpoint: u.endpoint,
    systemId: u.systemId,
    secret: u.secret,
    timeoutMs: u.timeoutMs,
    ...(u.ca !== undefined && { ca: u.ca }),
    ...(u.cert !== undefined && u.key !== undefined && { cert: u.cert, key: u.key }),
  });
  const forwarded = new Counter({
    name: "edoc_upstream_forwarded_total",
    help: "Deliveries the upstream link handled, by outcome (forwarded, returned, withdrawn, retry)",
    labelNames: ["outcome"],
    registers: [deps.metrics],
  });
  const lag = new Gauge({
    name: "edoc_upstream_link_lag_seconds",
    help: "Age of the oldest delivery waiting for the upstream link (0: none waiting)",
    registers: [deps.metrics],
  });
  const concurrency = deps.concurrency ?? 8;
  /** Fetched, not acked, waiting for their next attempt (a restart finds them in `open`). */
  const waiting = new Map<string, { item: InboxItem; attempts: number; notBefore: number }>();
  let stopped = false;
  let recovered = false;
  let wake: (() => void) | undefined;

  const call = <M extends RpcMethod>(method: M, params: RpcParamsOf<M>, ms = 30_000) =>
    deps.bus.call("archive.rpc", method, params, ms);
  const ask = async <M extends RpcMethod>(method: M, params: RpcParamsOf<M>) =>
    RpcResults[method].parse(await call(method, params)) as RpcResultOf<M>;

  /** The packet's exact bytes and the hops before this hub. */
  async function fetchPacket(item: InboxItem) {
    const scope = { actingFor: [], hubs: HUBS, deliveryId: item.deliveryId };
    const r = await ask("inbox.fetch", scope);
    if (r.edxml !== undefined) return { bytes: Buffer.from(r.edxml, "base64"), trace: r.trace };
    const parts: Buffer[] = [];
    for (let index = 0; index < (r.chunks ?? 0); index++) {
      const answer = await call("inbox.fetchChunk", { ...scope, index });
      if (!(answer instanceof RpcBytes)) throw new Error("inbox.fetchChunk answered no bytes");
      parts.push(answer.bytes);
    }
    return { bytes: Buffer.concat(parts), trace: r.trace };
  }

  async function forward(item: InboxItem): Promise<void> {
    const log = deps.log.child({ docId: item.hubDocumentId, deliveryId: item.deliveryId });
    const ack = (result: "done" | "fail", extra: { reason?: string; remoteReceipt?: string }) =>
      ask("inbox.ack", {
        actingFor: [],
        hubs: HUBS,
        deliveryId: item.deliveryId,
        result,
        ...(extra.reason !== undefined && { reason: extra.reason.slice(0, 1000) }),
        forward: {
          hub: UPSTREAM_HUB,
          ...(extra.remoteReceipt !== undefined && { remoteReceipt: extra.remoteReceipt }),
        },
      });
    try {
      const { bytes, trace } = await fetchPacket(item);
      const hops = appendHop(trace ?? [], deps.hubId, new Date());
      let docId: string;
      try {
        docId = await client.sendEdoc(
          item.from,
          bytes,
          item.kind === "letter" ? "edoc" : "status",
          hops,
        );
      } catch (err) {
        const o = classify(err);
        if (o.kind !== "returned") throw err;
        await ack("fail", { reason: `${o.code}: ${o.message}` });
        waiting.delete(item.deliveryId);
        forwarded.inc({ outcome: "returned" });
        log.warn({ code: o.code, reason: o.message }, "upstream refused it for good: returned");
        return;
      }
      await ack("done", { remoteReceipt: docId });
      waiting.delete(item.deliveryId);
      forwarded.inc({ outcome: "forwarded" });
      log.info({ remote: docId, hops: hops.length }, "forwarded upstream");
    } catch (err) {
      const o = classify(err);
      if (o.kind === "gone") {
        waiting.delete(item.deliveryId);
        forwarded.inc({ outcome: "withdrawn" });
        log.info({ code: o.code }, "not forwarded: no longer to send");
        return;
      }
      const attempts = (waiting.get(item.deliveryId)?.attempts ?? 0) + 1;
      const wait = linkBackoffMs(attempts);
      waiting.set(item.deliveryId, { item, attempts, notBefore: Date.now() + wait });
      forwarded.inc({ outcome: "retry" });
      log.warn(
        { attempts, retryInMs: wait, err: o.kind === "retry" ? o.message : o },
        "forward failed; will retry",
      );
    }
  }

  /** One pass: returns how many deliveries it tried. */
  async function pass(): Promise<number> {
    const list = (state: "pending" | "open") =>
      ask("inbox.list", { actingFor: [], hubs: HUBS, state, limit: BATCH, oldestFirst: true });
    const found = [...(await list("pending")).items];
    if (!recovered) {
      // Fetched before a restart and never acked: sent again (the far side dedupes).
      for (const i of (await list("open")).items) if (i.state === "fetched") found.push(i);
      recovered = true;
    }
    const now = Date.now();
    const byId = new Map<string, InboxItem>();
    for (const w of waiting.values()) byId.set(w.item.deliveryId, w.item);
    for (const i of found) byId.set(i.deliveryId, i);
    const all = [...byId.values()].sort((a, b) =>
      a.availableAt === b.availableAt
        ? a.deliveryId.localeCompare(b.deliveryId)
        : a.availableAt.localeCompare(b.availableAt),
    );
    const oldest = all[0];
    lag.set(oldest ? Math.max(0, (now - Date.parse(oldest.availableAt)) / 1000) : 0);
    // The first of each document only (the order rule above), if its wait is over.
    const documents = new Set<string>();
    const due: InboxItem[] = [];
    for (const i of all) {
      const key = `${i.kind === "status" ? "" : i.from}|${i.documentId}`;
      if (documents.has(key)) continue;
      documents.add(key);
      if ((waiting.get(i.deliveryId)?.notBefore ?? 0) <= now) due.push(i);
    }
    let next = 0;
    const worker = async () => {
      for (let i = due[next++]; i !== undefined && !stopped; i = due[next++]) await forward(i);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
    return due.length;
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const loop = (async () => {
    while (!stopped) {
      let tried = 0;
      try {
        tried = await pass();
      } catch (err) {
        deps.log.warn({ err }, "upstream link: the archive did not answer; retrying");
      }
      if (tried > 0) continue;
      const soonest = Math.min(...[...waiting.values()].map((w) => w.notBefore), Infinity);
      await sleep(Math.max(100, Math.min(u.pollMs, soonest - Date.now())));
    }
  })();

  deps.log.info({ endpoint: u.endpoint, systemId: u.systemId }, "upstream forwarder started");
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
