import { type OrganId, UPSTREAM_HUB } from "@edoc/directory";
import { checkHops, linkBackoffMs } from "@edoc/federation";
import type { Logger } from "@edoc/runtime";
import { type MessageType, VDXP_ERRORS } from "@edoc/vdxp";
import { type VdxpClient, VdxpFailure } from "@edoc/vdxp-client";
import { Counter, type Registry } from "prom-client";
import { bodyOfBytes } from "../body.js";
import { ApiError } from "../errors.js";
import { type SubmitDeps, submitPacket } from "../submit.js";

/**
 * The inbound half of the upstream link (nhận từ trục trên): letters and statuses the upstream
 * holds for this hub's agencies are listed, fetched with their hop trace, accepted through the
 * same path as any letter (signature, receipts, dedupe) and only then acknowledged there:
 * `done` once stored here, `fail` with the refusal's code when this hub refuses it for good
 * (the upstream then returns it to its sender). A crash between the two means the upstream
 * offers it again and the local dedupe answers it with the original receipt. Sequential and
 * oldest first, letters before statuses: the statuses of one letter keep their order.
 */
export interface PullerDeps {
  upstream: VdxpClient;
  submit: SubmitDeps;
  hubId: string;
  hopLimit: number;
  pollMs: number;
  log: Logger;
  metrics: Registry;
}

export type PullOutcome = "accepted" | "duplicate" | "refused";

/** Refusals that will not change on a retry: the packet itself, not this hub's state. */
function isPermanent(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status < 500 && err.code !== "RATE_LIMITED";
}

/** VDXP_ERRORS DOCUMENT_NOT_FOUND, DOCUMENT_WITHDRAWN */
const GONE = new Set([VDXP_ERRORS.DOCUMENT_NOT_FOUND, VDXP_ERRORS.DOCUMENT_WITHDRAWN] as string[]);

export class UpstreamPuller {
  private readonly pulled: Counter;
  /** failed passes in a row (the backoff's attempt) */
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly d: PullerDeps) {
    this.pulled = new Counter({
      name: "edoc_upstream_pulled_total",
      help: "Packets pulled from the upstream hub, by outcome (accepted, duplicate, refused, error)",
      labelNames: ["outcome"],
      registers: [d.metrics],
    });
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.cycle().finally(() => {
        this.running = undefined;
      });
    }, ms);
    this.timer.unref();
  }

  private async cycle(): Promise<void> {
    try {
      const n = await this.pullOnce();
      this.failures = 0;
      // Work found: look again at once, the list may hold more than one page.
      this.schedule(n > 0 ? 0 : this.d.pollMs);
    } catch (err) {
      const wait = linkBackoffMs(++this.failures);
      this.pulled.inc({ outcome: "error" });
      this.d.log.warn(
        { err: errInfo(err), retryInMs: wait },
        "upstream pull failed; nothing acknowledged, retrying",
      );
      this.schedule(wait);
    }
  }

  /** One pass: every open letter, then every open status. Returns how many were taken. */
  async pullOnce(): Promise<number> {
    let n = 0;
    for (const type of ["edoc", "status"] as const) {
      const items = await this.d.upstream.getReceivedEdocList(type);
      items.sort((a, b) => a.created_time.localeCompare(b.created_time));
      for (const item of items) {
        if (this.stopped) return n;
        await this.take(item.docId, type, item.from);
        n++;
      }
    }
    return n;
  }

  /**
   * One delivery. A delivery withdrawn or gone upstream meanwhile (its sender revoked it) is
   * skipped, never allowed to hold up the ones behind it.
   */
  async take(docId: string, type: MessageType, from: string): Promise<PullOutcome | "gone"> {
    try {
      return await this.takeOne(docId, type, from);
    } catch (err) {
      if (err instanceof VdxpFailure && GONE.has(err.errorCode)) {
        this.d.log.info({ upstreamDocId: docId, errorCode: err.errorCode }, "gone upstream");
        return "gone";
      }
      throw err;
    }
  }

  /** Fetched, judged here, then acknowledged upstream with the outcome. */
  private async takeOne(docId: string, type: MessageType, from: string): Promise<PullOutcome> {
    const log = this.d.log.child({ upstreamDocId: docId, from, messageType: type });
    const got = await this.d.upstream.getEdocTraced(docId);
    if (!got.trace.ok) return this.refuse(docId, log, got.trace.code, got.trace.message);
    const { bytes } = got;
    const trace = got.trace.trace;
    const hops = checkHops(trace, this.d.hubId, this.d.hopLimit);
    if (!hops.ok) return this.refuse(docId, log, hops.code, hops.message);
    const body = bodyOfBytes(bytes);
    const caller = {
      organId: from as OrganId,
      actingFor: [],
      certificateSerial: `upstream:${UPSTREAM_HUB}`,
    };
    const kind = type === "edoc" ? "letter" : "status";
    let outcome: PullOutcome;
    try {
      const r = await submitPacket(this.d.submit, caller, body, kind, {
        fromHub: UPSTREAM_HUB,
        trace,
      });
      outcome = r.body.outcome;
      log.info(
        { docId: r.body.hubDocumentId, outcome, hops: trace.length },
        "packet pulled from upstream",
      );
    } catch (err) {
      if (!isPermanent(err)) throw err;
      return this.refuse(docId, log, err.code, err.message);
    } finally {
      body.dispose();
    }
    await this.d.upstream.updateStatus(docId, "done");
    this.pulled.inc({ outcome });
    return outcome;
  }

  private async refuse(
    docId: string,
    log: Logger,
    code: string,
    message: string,
  ): Promise<"refused"> {
    log.warn({ code, reason: message }, "packet from upstream refused; the upstream returns it");
    await this.d.upstream.updateStatus(docId, "fail", `${code}: ${message}`);
    this.pulled.inc({ outcome: "refused" });
    return "refused";
  }
}

function errInfo(err: unknown): Record<string, unknown> {
  if (err instanceof VdxpFailure) return { errorCode: err.errorCode, message: err.message };
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  return { message: (err as Error)?.message ?? String(err) };
}
