import { type SignedChainHead, timestampedHeadBytes } from "@edoc/receipts";
import type { Logger } from "@edoc/runtime";
import {
  TIMESTAMP_QUERY,
  TIMESTAMP_REPLY,
  timestampRequest,
  tokenFromResponse,
} from "@edoc/timestamp";
import type { Collections } from "./collections.js";

/** How many pending heads one retry round asks the TSA for (oldest first). */
const RETRY_BATCH = 20;

export interface TsaOptions {
  /** The RFC 3161 TSA's HTTP URL (EDOC_TSA_URL). */
  url: string;
  /** Per request (EDOC_TSA_TIMEOUT_MS, default 10 s). */
  timeoutMs: number;
}

/**
 * Gets each signed chain head an RFC 3161 timestamp from the configured TSA (dấu thời gian), so
 * a third party vouches that the head existed at that time. When the TSA cannot be reached the
 * head stays stored with `timestampPending` and is retried on every chain-head tick.
 */
export class HeadTimestamper {
  constructor(
    private readonly c: Collections,
    private readonly log: Logger,
    private readonly tsa: TsaOptions,
  ) {}

  /** Asks the TSA for a token over the signed head; returns it (base64 DER). Throws on failure. */
  async request(head: SignedChainHead): Promise<string> {
    const req = timestampRequest(timestampedHeadBytes(head));
    const res = await fetch(this.tsa.url, {
      method: "POST",
      headers: { "content-type": TIMESTAMP_QUERY, accept: TIMESTAMP_REPLY },
      body: req.der,
      signal: AbortSignal.timeout(this.tsa.timeoutMs),
    });
    if (res.status !== 200) throw new Error(`the TSA answered HTTP ${res.status}`);
    const token = tokenFromResponse(new Uint8Array(await res.arrayBuffer()), req);
    return Buffer.from(token).toString("base64");
  }

  /** Stamps one stored head; true when it now carries a token. Failures are logged. */
  async stamp(head: SignedChainHead): Promise<boolean> {
    let token: string;
    try {
      token = await this.request(head);
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      this.log.warn(
        {
          reason: String(err),
          ...(cause ? { cause: String(cause) } : {}),
          seq: head.seq,
          tsa: this.tsa.url,
        },
        "chain head not timestamped yet; will retry",
      );
      return false;
    }
    // Another instance may have stamped it meanwhile: the first token stands.
    await this.c.chainHeads.updateOne(
      { _id: head.seq, signature: head.signature, timestampPending: true },
      { $set: { timestampToken: token }, $unset: { timestampPending: "" } },
    );
    this.log.info({ seq: head.seq }, "chain head timestamped");
    return true;
  }

  /** Retries the heads still waiting for a token, oldest first; stops at the first failure. */
  async stampPending(): Promise<number> {
    const pending = await this.c.chainHeads
      .find({ timestampPending: true })
      .sort({ _id: 1 })
      .limit(RETRY_BATCH)
      .toArray();
    let done = 0;
    for (const { _id, timestampPending: _p, ...head } of pending) {
      if (!(await this.stamp(head as SignedChainHead))) break;
      done++;
    }
    return done;
  }
}
