import { createSecureContext } from "node:tls";
import { crlValidity, type RevocationSource } from "@edoc/signature";
import type { Logger } from "pino";

export interface RevocationFetcherOptions {
  /** How often every known distribution point is fetched again (bounds a revocation's delay). */
  readonly refreshMs: number;
  /** Per HTTP request (CRL download, OCSP exchange). */
  readonly timeoutMs: number;
  readonly log: Logger;
  /** After a CRL changed (new content for a URL): TLS contexts, connections to re-judge. */
  readonly onChange?: () => void;
  /** Each failed CRL download or OCSP exchange (metrics). */
  readonly onFailure?: (kind: "crl" | "ocsp", url: string) => void;
}

interface Held {
  pem: string;
  nextUpdate: Date | undefined;
}

const MAX_CRL_BYTES = 20 * 1024 * 1024;
const MAX_OCSP_BYTES = 64 * 1024;

/**
 * CRLs fetched from the distribution points certificates name, kept in memory and fetched
 * again every `refreshMs`, a minute before their nextUpdate when that comes sooner, and on use
 * once past it; plus the OCSP exchange.
 * A URL is learnt the first time a certificate names it (and from `watch`). A failed fetch
 * keeps the CRL held before: whether stale data still serves is the verifier's decision.
 * Judging the bytes (signature, freshness, status) is @edoc/signature's, never this class's.
 */
export class RevocationFetcher implements RevocationSource {
  private readonly held = new Map<string, Held>();
  private readonly pending = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: RevocationFetcherOptions) {}

  /** Starts the refresh schedule for these URLs (and every one learnt later). */
  watch(urls: readonly string[]): void {
    for (const url of urls) if (!this.held.has(url)) void this.refresh(url);
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const url of this.known()) void this.refresh(url);
    }, this.opts.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The CRLs held now, by URL (metrics, reports). */
  current(): { url: string; pem: string }[] {
    return [...this.held].map(([url, h]) => ({ url, pem: h.pem }));
  }

  async crls(urls: readonly string[]): Promise<{ url: string; pem: string }[]> {
    const now = Date.now();
    await Promise.all(
      urls.map((url) => {
        const h = this.held.get(url);
        const due = !h || (h.nextUpdate !== undefined && h.nextUpdate.getTime() <= now);
        return due ? this.refresh(url) : undefined;
      }),
    );
    this.watch([]);
    return urls.flatMap((url) => {
      const h = this.held.get(url);
      return h ? [{ url, pem: h.pem }] : [];
    });
  }

  async ocsp(url: string, request: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.http(url, MAX_OCSP_BYTES, {
        method: "POST",
        headers: { "content-type": "application/ocsp-request" },
        body: request,
      });
    } catch (err) {
      this.opts.onFailure?.("ocsp", url);
      this.opts.log.warn({ err, url, code: "OCSP_FAILED" }, "OCSP responder did not answer");
      throw err;
    }
  }

  private known(): string[] {
    return [...new Set([...this.held.keys(), ...this.pending.keys(), ...this.learnt])];
  }

  /** URLs asked for whose first fetch failed: retried on the schedule all the same. */
  private readonly learnt = new Set<string>();

  /** One fetch per URL at a time; concurrent callers wait for the same one. */
  private refresh(url: string): Promise<void> {
    this.learnt.add(url);
    let p = this.pending.get(url);
    if (!p) {
      p = this.fetchCrl(url).finally(() => this.pending.delete(url));
      this.pending.set(url, p);
    }
    return p;
  }

  private async fetchCrl(url: string): Promise<void> {
    try {
      const bytes = Buffer.from(await this.http(url, MAX_CRL_BYTES, { method: "GET" }));
      const text = bytes.subarray(0, 64).toString("latin1");
      const pem = text.includes("-----BEGIN")
        ? bytes.toString("utf8")
        : `-----BEGIN X509 CRL-----\n${bytes.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END X509 CRL-----\n`;
      const [validity] = crlValidity([pem]);
      if (!validity) throw new Error("not a readable CRL");
      // What TLS would refuse must not replace a CRL that works.
      createSecureContext({ crl: pem });
      const before = this.held.get(url);
      this.held.set(url, { pem, nextUpdate: validity.nextUpdate });
      this.beforeNextUpdate(url, validity.nextUpdate);
      if (before?.pem !== pem) {
        this.opts.log.info(
          { url, issuer: validity.issuer, thisUpdate: validity.thisUpdate },
          "CRL fetched",
        );
        this.opts.onChange?.();
      }
    } catch (err) {
      this.opts.onFailure?.("crl", url);
      this.opts.log.warn(
        { err, url, code: "CRL_FETCH_FAILED", holding: this.held.has(url) },
        "CRL fetch failed; keeping what was held",
      );
    }
  }

  /**
   * A CRL whose nextUpdate comes before the next scheduled round is fetched again a minute
   * ahead of it (or at once), so it is replaced before it goes stale.
   */
  private beforeNextUpdate(url: string, nextUpdate: Date | undefined): void {
    if (!nextUpdate) return;
    const wait = nextUpdate.getTime() - Date.now() - 60_000;
    // Already stale: the regular round and the next use fetch it; no tight loop on a bad CA.
    if (wait < 0 || wait >= this.opts.refreshMs) return;
    setTimeout(() => void this.refresh(url), wait).unref();
  }

  private async http(url: string, maxBytes: number, init: RequestInit): Promise<Uint8Array> {
    const res = await fetch(url, {
      ...init,
      redirect: "error",
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const length = Number(res.headers.get("content-length") ?? "0");
    if (length > maxBytes) throw new Error(`answer of ${length} bytes exceeds ${maxBytes}`);
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.length > maxBytes) throw new Error(`answer exceeds ${maxBytes} bytes`);
    return body;
  }
}
