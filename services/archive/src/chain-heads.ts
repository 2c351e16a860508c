import { type RemoteRsaSha256, type SignedChainHead, signChainHeadRemote } from "@edoc/receipts";
import type { Logger } from "@edoc/runtime";
import { isDuplicateKeyError } from "@edoc/store";
import type { Collections } from "./collections.js";
import { nowIso } from "./context.js";
import type { Ledger } from "./ledger.js";
import type { HeadTimestamper } from "./timestamps.js";

/**
 * Signs the chain head with the receipt key (asked of the signer service) whenever it moved, and stores it in `chainHeads`
 * (`_id` = seq, inserted once): a published head pins the whole chain before it, so a rewrite
 * shows. With a TSA configured the new head is timestamped at once, or marked pending and
 * retried by `stampPending` (timestamps.ts).
 */
export class ChainHeadSigner {
  private lastSigned = -1;
  private warned = false;

  constructor(
    private readonly c: Collections,
    private readonly ledger: Ledger,
    private readonly log: Logger,
    private readonly sign: RemoteRsaSha256 | undefined,
    private readonly certPem: string | undefined,
    private readonly timestamper?: HeadTimestamper,
  ) {}

  async load(): Promise<void> {
    const last = await this.c.chainHeads.find({}).sort({ _id: -1 }).limit(1).next();
    this.lastSigned = last?.seq ?? -1;
  }

  /** Signs the current head if it moved since the last signed one; returns it when signed. */
  async signIfMoved(): Promise<SignedChainHead | undefined> {
    const head = this.ledger.head();
    if (!head || head.seq <= this.lastSigned) return undefined;
    if (!this.sign) {
      if (!this.warned) {
        this.log.warn("no receipt certificate (EDOC_RECEIPT_CERT): chain heads are not signed");
        this.warned = true;
      }
      return undefined;
    }
    // The signer may be restarting: the error propagates, the next tick signs again.
    const signed = await signChainHeadRemote(
      { seq: head.seq, hash: head.hash, at: nowIso() },
      this.sign,
      this.certPem ? { certificatePem: this.certPem } : {},
    );
    let inserted = true;
    try {
      await this.c.chainHeads.insertOne({
        _id: signed.seq,
        ...signed,
        ...(this.timestamper ? { timestampPending: true as const } : {}),
      });
    } catch (err) {
      // Signed already (by a run that stopped before it noted it): the first one stands.
      if (!isDuplicateKeyError(err)) throw err;
      inserted = false;
    }
    const seq = signed.seq;
    this.lastSigned = seq;
    this.log.info({ seq, hash: signed.hash }, "chain head signed");
    // Only the stored head is stamped; another run's head is left to stampPending.
    if (inserted) await this.timestamper?.stamp(signed);
    return signed;
  }

  /** One chain-head tick: sign the head if it moved, then retry heads awaiting a timestamp. */
  async tick(): Promise<void> {
    await this.signIfMoved();
    await this.timestamper?.stampPending();
  }
}
