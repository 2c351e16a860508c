import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { CliError, UsageError } from "../command.js";

/** How a command reaches the gateway as one agency system (mutual TLS). */
export interface Identity {
  gateway: string;
  certPem: string;
  keyPem: string;
  caPem: string;
}

export const identityOptions = {
  as: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  ca: { type: "string" },
  gateway: { type: "string" },
  pki: { type: "string" },
} as const;

/** The `--help` text of every command that talks to the gateway as an agency. */
export const IDENTITY_HELP = `--as ORGANID takes that agency's cert.pem and key.pem from the development PKI (--pki DIR,
then $EDOC_PKI_DIR, then .state/pki); --cert, --key and --ca name the files instead. --gateway
defaults to $EDOC_GATEWAY_URL, then https://localhost:8443. Output is JSON; a refusal prints the
hub's error code and exits 1.`;

export interface IdentityArgs {
  as?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  ca?: string | undefined;
  gateway?: string | undefined;
  pki?: string | undefined;
}

/**
 * `--as ORGANID` takes that agency's certificate and key from the development PKI
 * (`--pki`, `EDOC_PKI_DIR`, default `.state/pki`); `--cert/--key/--ca` name them explicitly.
 */
export function resolveIdentity(a: IdentityArgs): Identity {
  const pki = a.pki ?? process.env.EDOC_PKI_DIR ?? ".state/pki";
  const gateway = (a.gateway ?? process.env.EDOC_GATEWAY_URL ?? "https://localhost:8443").replace(
    /\/$/,
    "",
  );
  if (!URL.canParse(gateway)) throw new UsageError(`--gateway must be a URL, got '${gateway}'`);
  const cert = a.cert ?? (a.as ? join(pki, "agencies", a.as, "cert.pem") : undefined);
  const key = a.key ?? (a.as ? join(pki, "agencies", a.as, "key.pem") : undefined);
  const ca = a.ca ?? join(pki, "chain.pem");
  if (!cert || !key)
    throw new UsageError("say who you are: --as ORGANID, or --cert FILE --key FILE");
  return { gateway, certPem: read(cert), keyPem: read(key), caPem: read(ca) };
}

function read(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function call(
  id: Identity,
  method: string,
  path: string,
  body?: Buffer | string,
  contentType?: string,
): Promise<HttpResult> {
  const url = new URL(`${id.gateway}/api/v1${path}`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        cert: id.certPem,
        key: id.keyPem,
        ca: id.caPem,
        headers: body === undefined ? {} : { "content-type": contentType ?? "application/xml" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", (err) => reject(new CliError(`cannot reach ${id.gateway}: ${err.message}`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The JSON body of a 2xx answer; a refusal becomes a CliError with the hub's code (exit 1). */
export function json(res: HttpResult): unknown {
  const text = res.body.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.status >= 400) {
    const e = (parsed ?? {}) as { code?: string; message?: string };
    throw new CliError(`${res.status} ${e.code ?? "ERROR"}: ${e.message ?? text}`, 1);
  }
  return parsed;
}

/** Prints an answer as indented JSON (scripts pipe it). */
export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
