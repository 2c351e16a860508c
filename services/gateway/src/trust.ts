import { statSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { type Logger, loadTrust, type TrustMaterial } from "@edoc/runtime";

/**
 * The trust store and CRLs, reloadable while the gateway runs: a revocation published by the CA
 * must reach both the TLS layer (client certificates) and signature verification without a
 * restart. Reloaded on SIGHUP and, when `intervalMs` > 0, whenever a file's mtime or size
 * changes. A reload that cannot read or use the files keeps the previous material (and says
 * so in the log), so a half-written CRL never opens or closes the door by accident.
 */
export class TrustStore {
  private material: TrustMaterial;
  private stamps: string;
  /** Stamps of files a reload failed on: not retried (nor logged) until they change again. */
  private failed: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Incremented on every successful reload. */
  generation = 0;

  constructor(
    private readonly trustFile: string,
    private readonly crlFiles: readonly string[],
    private readonly log: Logger,
    /** Called after each successful reload; it may throw to reject the new material. */
    private readonly apply: (material: TrustMaterial) => void,
  ) {
    this.stamps = this.currentStamps();
    this.material = loadTrust(trustFile, crlFiles);
  }

  get current(): TrustMaterial {
    return this.material;
  }

  /** Re-reads the files now. Returns whether the new material is in force. */
  reload(why: string): boolean {
    const stamps = this.currentStamps();
    let next: TrustMaterial;
    try {
      next = loadTrust(this.trustFile, this.crlFiles);
      // Node's own parser is the judge of what TLS will use: an unreadable CRL fails here.
      createSecureContext({
        ca: [...next.anchors, ...next.intermediates],
        ...(next.crls.length > 0 ? { crl: next.crls } : {}),
      });
      this.apply(next);
    } catch (err) {
      this.failed = stamps;
      this.log.error({ err, why }, "trust store reload failed; keeping the previous one");
      return false;
    }
    this.failed = undefined;
    this.material = next;
    this.stamps = stamps;
    this.generation++;
    this.log.info(
      {
        why,
        generation: this.generation,
        anchors: next.anchors.length,
        intermediates: next.intermediates.length,
        crls: next.crls.length,
      },
      "trust store reloaded",
    );
    return true;
  }

  /** Revocation data fetched elsewhere changed: connections judged before must be judged again. */
  revocationChanged(): void {
    this.generation++;
    this.apply(this.material);
  }

  /** Polls the files' mtimes every `intervalMs` (0: never) and reloads on SIGHUP. */
  watch(intervalMs: number): void {
    process.on("SIGHUP", () => this.reload("SIGHUP"));
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      const stamps = this.currentStamps();
      if (stamps !== this.stamps && stamps !== this.failed) this.reload("files changed");
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private currentStamps(): string {
    return [this.trustFile, ...this.crlFiles]
      .map((f) => {
        try {
          const s = statSync(f);
          return `${s.mtimeMs}:${s.size}`;
        } catch {
          return "missing";
        }
      })
      .join("|");
  }
}
