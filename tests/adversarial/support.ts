import { readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { type Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { join } from "node:path";
import { type ConnectionOptions, connect } from "node:tls";
import { expect } from "vitest";
import type { Agent, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";

// Demo network agencies (packages/directory/src/demo.ts).
export const COMMUNE = "000.20.30.H45"; // UBND Phường 1, TP Tuy Hòa
export const WARD2 = "000.21.30.H45"; // Phường 2: closed at the 2025 reform, successor Phường 1
export const DISTRICT = "000.00.30.H45"; // UBND TP Tuy Hòa
export const HOSTED = "000.22.30.H45"; // xã Bình Kiến: mailbox hosted by the district's system
export const DEPT = "000.00.02.H45"; // Sở Nội vụ
export const OTHER = "000.00.03.H45"; // Sở Tài chính
export const KHCN = "000.00.04.H45"; // Sở KH&CN: successor of Sở TT&TT
export const CLOSED_DEPT = "000.00.05.H45"; // Sở TT&TT: closed 2025-03-01 (successor KHCN)
export const SONG_CAU = "000.00.31.H45"; // TX Sông Cầu: closed 2025-07-01 (successor: the province)
export const SONG_CAU_DIVISION = "000.01.31.H45"; // closed 2025-07-01, no successor
export const UNKNOWN = "000.99.99.H45";

export interface Refusal {
  code: string;
  message: string;
  details?: unknown;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  /** The client certificate; none: an anonymous TLS client. */
  agent?: Pick<Agent, "certPem" | "keyPem"> | undefined;
  method?: string;
  /** Below /api/v1 unless it starts with "//" (then from the root, e.g. "//health"). */
  path: string;
  body?: Buffer | string;
  headers?: Record<string, string | number>;
  /** Extra TLS options (versions, ciphers, another CA...). */
  tls?: ConnectionOptions;
  /** A connection pool to reuse (keep-alive); default: a fresh connection. */
  pool?: HttpsAgent;
}

/**
 * One HTTPS request on a fresh connection (no keep-alive pool, so every call is a new TLS
 * handshake judged by the trust store in force). A refusal the gateway sends before reading the
 * whole body still resolves: errors writing the rest of the body after a response are ignored.
 */
export function call(hub: TestHub, o: RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const path = o.path.startsWith("//") ? o.path.slice(1) : `/api/v1${o.path}`;
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        servername: "localhost",
        port: hub.port,
        path,
        method: o.method ?? (o.body === undefined ? "GET" : "POST"),
        ca: hub.chainPem,
        agent: o.pool ?? false,
        ...(o.agent ? { cert: o.agent.certPem, key: o.agent.keyPem } : {}),
        ...o.tls,
        headers: {
          ...(o.body === undefined ? {} : { "content-type": "application/xml" }),
          ...o.headers,
        },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          const text = body.toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** Asserts a refusal: the status, a JSON `{ code, message }` body with that code. */
export function expectRefusal(reply: Reply, status: number, code: string): Refusal {
  expect(reply.status, reply.text.slice(0, 500)).toBe(status);
  expect(reply.headers["content-type"]).toMatch(/^application\/json/);
  const body = reply.json<Refusal>();
  expect(body.code, body.message).toBe(code);
  expect(typeof body.message).toBe("string");
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}

/** The reason codes @edoc/signature gave, from a SIGNATURE_* refusal's details. */
export function reasonCodes(refusal: Refusal): string[] {
  const details = refusal.details as { reasons?: { code: string }[] } | undefined;
  return (details?.reasons ?? []).map((r) => r.code);
}

export function post(
  hub: TestHub,
  agent: Agent,
  body: Buffer | string,
  path = "/documents",
  contentType = "application/xml",
): Promise<Reply> {
  return call(hub, { agent, path, body, headers: { "content-type": contentType } });
}

export interface Item {
  deliveryId: string;
  hubDocumentId: string;
  documentId: string;
  kind: string;
  docType: string;
  state: string;
  statusCode?: string;
  from: string;
  recipient: string;
}

export interface SentDocument {
  hubDocumentId: string;
  documentId: string;
  kind: string;
}

/** A GET as a well-behaved client: waits out a 429 (Retry-After) and asks again. */
async function getPolitely(hub: TestHub, agent: Agent, path: string): Promise<Reply> {
  for (;;) {
    const r = await call(hub, { agent, path });
    if (r.status !== 429) return r;
    await new Promise((done) => setTimeout(done, Number(r.headers["retry-after"] ?? 1) * 1000));
  }
}

export async function inbox(hub: TestHub, agent: Agent): Promise<Item[]> {
  const r = await getPolitely(hub, agent, "/inbox?state=all");
  expect(r.status, r.text).toBe(200);
  return r.json<{ items: Item[] }>().items;
}

export async function sent(hub: TestHub, agent: Agent): Promise<SentDocument[]> {
  const r = await getPolitely(hub, agent, "/documents?limit=500");
  expect(r.status, r.text).toBe(200);
  return r.json<{ documents: SentDocument[] }>().documents;
}

/** Polls until `pred` holds (deliveries are asynchronous). */
export async function eventually<T>(
  fn: () => Promise<T>,
  pred: (v: T) => boolean,
  what: string,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (pred(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`${what}: never happened; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The service still serves: a fresh, valid letter is accepted and reaches its recipient. */
export async function normalLetterGoesThrough(
  hub: TestHub,
  from: Agent,
  to: Agent,
): Promise<string> {
  const { xml } = letterXml(from.organId, [to.organId], { subject: "V/v thư bình thường" });
  const r = await post(hub, from, sign(from, xml));
  expect(r.status, r.text).toBe(202);
  const doc = r.json<{ hubDocumentId: string }>().hubDocumentId;
  await eventually(
    () => inbox(hub, to),
    (items) => items.some((i) => i.hubDocumentId === doc),
    `letter ${doc} in ${to.organId}'s inbox`,
  );
  return doc;
}

/**
 * Nothing half-stored: no refused packet shows up in any of these agencies' inboxes or sent
 * lists. Deliveries are asynchronous, so this is meant to run after a normal letter went through
 * (which proves the routing pipeline had time to act on anything that was accepted before it).
 */
export async function expectNeverStored(
  hub: TestHub,
  viewers: readonly Agent[],
  refused: (documentId: string) => boolean,
): Promise<void> {
  for (const who of viewers) {
    const leaked = [
      ...(await inbox(hub, who)).filter((i) => refused(i.documentId)),
      ...(await sent(hub, who)).filter((d) => refused(d.documentId)),
    ];
    expect(leaked, `stored for ${who.organId}`).toEqual([]);
  }
}

export function gatewayLog(hub: TestHub): string {
  return readFileSync(join(hub.dir, "gateway.log"), "utf8");
}

/** The gateway logged a line with this code (pino JSON `"code":"…"`). */
export async function expectLogged(hub: TestHub, code: string, ms = 3_000): Promise<void> {
  await eventually(
    async () => gatewayLog(hub).includes(`"code":"${code}"`),
    Boolean,
    `gateway log line with code ${code}`,
    ms,
  );
}

export type Handshake =
  | { ok: true; protocol: string | null; authorized: boolean }
  | { ok: false; code: string; message: string };

/** A bare TLS handshake with the gateway, with chosen options; reports how it ended. */
export function handshake(hub: TestHub, options: ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port: hub.port,
      servername: "localhost",
      ca: hub.chainPem,
      ...options,
    });
    socket.once("secureConnect", () => {
      resolve({ ok: true, protocol: socket.getProtocol(), authorized: socket.authorized });
      socket.end();
    });
    socket.once("error", (err: Error & { code?: string }) =>
      resolve({ ok: false, code: err.code ?? "", message: err.message }),
    );
  });
}
