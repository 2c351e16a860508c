import { type Bus, BusUnavailableError, RpcTimeoutError } from "@edoc/bus";
import { SIGNER_MAX_BATCH, SignerRpcResults } from "@edoc/messages";

export interface RemoteSignerOptions {
  /** One RPC's timeout; the request expires with it, so a late signer never signs for nobody. */
  timeoutMs?: number;
  /** Tries per batch while the signer is away (restarting): timeouts and bus outages only. */
  attempts?: number;
}

/** The signer did not answer after every try: the caller refuses cleanly (503) and stores nothing. */
export class SignerUnavailableError extends Error {
  readonly code = "SIGNER_UNAVAILABLE";
}

interface Waiting {
  data: Buffer;
  resolve: (signature: Buffer) => void;
  reject: (err: unknown) => void;
}

/**
 * Signatures by the hub key, asked of the signer service over the bus (`signer.rpc`). Requests
 * made in the same tick travel as one batch: a busy gateway pays one round trip per batch, not
 * per receipt.
 */
export class RemoteSigner {
  private queue: Waiting[] = [];
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(
    private readonly bus: Bus,
    opts: RemoteSignerOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.attempts = opts.attempts ?? 3;
  }

  /** RSASSA-PKCS1-v1_5 SHA-256 of `data` by the token's key. */
  signRsaSha256(data: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ data, resolve, reject });
    });
  }

  private flush(): void {
    const all = this.queue;
    this.queue = [];
    for (let i = 0; i < all.length; i += SIGNER_MAX_BATCH) {
      const batch = all.slice(i, i + SIGNER_MAX_BATCH);
      this.send(batch).then(
        (signatures) => {
          for (const [j, w] of batch.entries()) w.resolve(signatures[j] as Buffer);
        },
        (err: unknown) => {
          for (const w of batch) w.reject(err);
        },
      );
    }
  }

  private async send(batch: Waiting[]): Promise<Buffer[]> {
    const params = { algorithm: "rsa-sha256", data: batch.map((w) => w.data.toString("base64")) };
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.bus.call("signer.rpc", "signer.sign", params, this.timeoutMs);
        const { signatures } = SignerRpcResults["signer.sign"].parse(answer);
        if (signatures.length !== batch.length) throw new Error("signer answered a short batch");
        return signatures.map((s) => Buffer.from(s, "base64"));
      } catch (err) {
        const away = err instanceof RpcTimeoutError || err instanceof BusUnavailableError;
        if (!away) throw err;
        if (attempt >= this.attempts) {
          throw new SignerUnavailableError(`the hub's signer did not answer (${err.message})`);
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }
}
