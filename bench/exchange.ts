import { importTayNinhTsv, toDirectoryJson } from "@edoc/directory";
import { readFixture, TAY_NINH_TSV } from "../tests/fixtures/paths.js";
import { api, type ServiceName, TestHub } from "../tests/support/hub.js";
import { letterXml, sign } from "../tests/support/letters.js";
import { cpuSecondsOf, memoryOf, percentile, pidsMatching, pool, resetPeak } from "./measure.js";

/**
 * The hub's own load generator: agency clients with their own certificates send signed letters
 * through the gateway over real mutual TLS; recipients poll, fetch and acknowledge. Latency is
 * measured from the moment a letter is submitted to the moment it is available in the inbox
 * (server clock, same machine) and to the moment its acknowledgement is answered.
 */
export interface ExchangeCase {
  name: string;
  letters: number;
  recipients: number;
  attachmentBytes: number;
  /** Letters in flight at once (closed loop) … */
  concurrency: number;
  /** … or an open-loop offered rate, letters per second. */
  offeredPerSecond?: number;
}

export interface ExchangeResult {
  name: string;
  letters: number;
  deliveries: number;
  seconds: number;
  /** Letters per second until every delivery was acknowledged. */
  lettersPerSecond: number;
  /** Letters per second until the last one was accepted (202). */
  acceptedPerSecond: number;
  /** Submission → the gateway's 202 (the packet and its receipt durable). */
  accepted: { p50: number; p95: number; p99: number };
  available: { p50: number; p95: number; p99: number };
  acknowledged: { p50: number; p95: number; p99: number };
  lost: number;
  /** Submissions the hub answered 503 (retried). */
  refused503: number;
  /**
   * peakMiB: VmHWM at the end (cumulative since start); growthMiB: VmHWM at the end minus VmRSS
   * at the start of this case, with VmHWM reset before it (the case's own peak growth).
   */
  memory: Record<ServiceName, { peakMiB: number; rssMiB: number; growthMiB: number }>;
  /** CPU milliseconds per letter of each process of the hub (and of the load generator). */
  cpuMsPerLetter: Record<CpuUser, number>;
}

type CpuUser = "gateway" | "router" | "archive" | "signer" | "ferretdb" | "rabbitmq" | "loadgen";

/** CPU seconds used so far by every process of the hub, the servers and this load generator. */
function cpuSnapshot(hub: TestHub): Record<CpuUser, number> {
  const sum = (pids: number[]) =>
    pids.reduce((t, pid) => {
      try {
        return t + cpuSecondsOf(pid);
      } catch {
        return t;
      }
    }, 0);
  const svc = (s: ServiceName) => sum([hub.pid(s)].filter((p): p is number => p !== undefined));
  return {
    gateway: svc("gateway"),
    router: svc("router"),
    archive: svc("archive"),
    signer: svc("signer"),
    ferretdb: sum(pidsMatching("ferretdb-hub")),
    rabbitmq: sum(pidsMatching("beam.smp")),
    loadgen: sum([process.pid]),
  };
}

/** Tây Ninh's real directory (447 agencies): enough distinct recipients for fan-out cases. */
export function benchAgencies(count: number): { directory: unknown; ids: string[] } {
  const { agencies } = importTayNinhTsv(readFixture(TAY_NINH_TSV).toString("utf8"));
  const ids = agencies
    .filter((a) => a.tier === "department" || a.tier === "district")
    .map((a) => a.id)
    .slice(0, count);
  return { directory: toDirectoryJson(agencies), ids };
}

export async function startBenchHub(agencies: number): Promise<{ hub: TestHub; ids: string[] }> {
  const { directory, ids } = benchAgencies(agencies);
  const hub = new TestHub({
    agencies: ids,
    directory,
    env: { EDOC_LOG_LEVEL: "warn", EDOC_RATE_PER_SECOND: "100000", EDOC_RATE_BURST: "100000" },
  });
  await hub.start();
  return { hub, ids };
}

async function retry503(call: () => ReturnType<typeof api>): ReturnType<typeof api> {
  for (;;) {
    const r = await call();
    if (r.status !== 503) return r;
    await new Promise((res) => setTimeout(res, 250));
  }
}

export async function runExchange(
  hub: TestHub,
  ids: string[],
  c: ExchangeCase,
): Promise<ExchangeResult> {
  const [senderId, ...others] = ids;
  if (!senderId || others.length < c.recipients) throw new Error("not enough bench agencies");
  const sender = hub.agent(senderId);
  const recipients = others.slice(0, c.recipients);
  const packets = Array.from({ length: c.letters }, () =>
    sign(sender, letterXml(senderId, recipients, { attachmentBytes: c.attachmentBytes }).xml),
  );
  const submittedAt = new Map<string, number>();
  const accepted: number[] = [];
  const available: number[] = [];
  const acknowledged: number[] = [];
  const seen = new Set<string>();
  const expected = c.letters * c.recipients;
  let done = false;

  // Recipients: poll the pending inbox, fetch and acknowledge what arrived.
  const receivers = recipients.map(async (rid) => {
    const agent = hub.agent(rid);
    while (!done) {
      const r = await retry503(() => api(hub, agent, "GET", "/inbox?state=pending&limit=1000"));
      const items = (
        r.json() as { items: { deliveryId: string; hubDocumentId: string; availableAt: string }[] }
      ).items;
      const fresh = items.filter(
        (it) => !seen.has(it.deliveryId) && submittedAt.has(it.hubDocumentId),
      );
      for (const it of fresh) seen.add(it.deliveryId);
      // An agency system downloads and acknowledges several deliveries at once: as many as the
      // sender has in flight (at least 8), so the receiving side is not the bottleneck.
      await pool(fresh, Math.max(8, c.concurrency), async (it) => {
        const t0 = submittedAt.get(it.hubDocumentId) ?? Date.now();
        available.push(Date.parse(it.availableAt) - t0);
        const got = await retry503(() => api(hub, agent, "GET", `/inbox/${it.deliveryId}/edxml`));
        if (got.status !== 200) throw new Error(`fetch ${got.status}`);
        const ack = await retry503(() =>
          api(
            hub,
            agent,
            "POST",
            `/inbox/${it.deliveryId}/ack`,
            JSON.stringify({ result: "done" }),
            "application/json",
          ),
        );
        if (ack.status !== 200) throw new Error(`ack ${ack.status}`);
        acknowledged.push(Date.now() - t0);
      });
      if (seen.size >= expected) done = true;
      else if (fresh.length === 0) await new Promise((res) => setTimeout(res, 250));
    }
  });

  const services = ["gateway", "router", "archive"] as const;
  const rssBefore = Object.fromEntries(
    services.map((s) => {
      const pid = hub.pid(s);
      return [s, pid ? resetPeak(pid) : Number.NaN];
    }),
  ) as Record<(typeof services)[number], number>;
  const cpuBefore = cpuSnapshot(hub);
  const start = Date.now();
  let refused = 0;
  const submit = async (bytes: Buffer) => {
    const t0 = Date.now();
    // Like an agency system: a 503 (hub saturated) is retried after a pause, and counted.
    for (;;) {
      const r = await api(hub, sender, "POST", "/documents", bytes);
      // 200: an earlier attempt that timed out for us was accepted after all (same receipt).
      if (r.status === 202 || r.status === 200) {
        submittedAt.set((r.json() as { hubDocumentId: string }).hubDocumentId, t0);
        accepted.push(Date.now() - t0);
        return;
      }
      if (r.status !== 503)
        throw new Error(`submit ${r.status}: ${r.body.toString().slice(0, 200)}`);
      refused++;
      await new Promise((res) => setTimeout(res, 500));
    }
  };
  if (c.offeredPerSecond) {
    const gap = 1000 / c.offeredPerSecond;
    await Promise.all(
      packets.map(async (p, i) => {
        await new Promise((res) => setTimeout(res, i * gap));
        await submit(p);
      }),
    );
  } else {
    await pool(packets, c.concurrency, (p) => submit(p));
  }
  const acceptSeconds = (Date.now() - start) / 1000;
  const deadline = Date.now() + 120_000 + c.letters * 200;
  while (seen.size < expected && Date.now() < deadline)
    await new Promise((res) => setTimeout(res, 50));
  const seconds = (Date.now() - start) / 1000;
  done = true;
  await Promise.all(receivers);
  const cpuAfter = cpuSnapshot(hub);
  const cpuMsPerLetter = Object.fromEntries(
    Object.entries(cpuAfter).map(([k, v]) => [
      k,
      ((v - cpuBefore[k as CpuUser]) * 1000) / c.letters,
    ]),
  ) as Record<CpuUser, number>;

  const memory = {} as ExchangeResult["memory"];
  for (const s of services) {
    const pid = hub.pid(s);
    const m = pid ? memoryOf(pid) : { peakMiB: Number.NaN, rssMiB: Number.NaN };
    memory[s] = { ...m, growthMiB: m.peakMiB - rssBefore[s] };
  }
  const q = (xs: number[]) => ({
    p50: percentile(xs, 50),
    p95: percentile(xs, 95),
    p99: percentile(xs, 99),
  });
  return {
    name: c.name,
    letters: c.letters,
    deliveries: seen.size,
    seconds,
    lettersPerSecond: c.letters / seconds,
    acceptedPerSecond: c.letters / acceptSeconds,
    accepted: q(accepted),
    available: q(available),
    acknowledged: q(acknowledged),
    lost: expected - seen.size,
    refused503: refused,
    memory,
    cpuMsPerLetter,
  };
}
