import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import { decodeTrace, encodeTrace, TRACE_HEADER, type TraceDecode } from "@edoc/federation";
import type { HopTrace } from "@edoc/messages";
import {
  AgenciesAnswer,
  AgenciesQd20Answer,
  CountAnswer,
  EdocAnswer,
  type Envelope,
  EnvelopeSchema,
  formatTimestamp,
  hashFile,
  headerName,
  type MessageType,
  OPERATIONS,
  type Operation,
  PROTOCOL_VERSION,
  ReceivedListAnswer,
  type RegisterAgencyBody,
  SendAnswer,
  SentListAnswer,
  signHeaders,
  UnitsAnswer,
} from "@edoc/vdxp";
import type { z } from "zod";

export interface VdxpClientOptions {
  /** e.g. `https://hub.example:8444` (operations are POSTed to `{endpoint}/{operation}`) */
  endpoint: string;
  systemId: string;
  secret: string;
  /** PEM of the CA(s) the server's certificate chains to (default: Node's roots) */
  ca?: string;
  /** client certificate and key (PEM) when the hub requires mutual TLS for this system */
  cert?: string;
  key?: string;
  /** TLS server name when the endpoint's host is an address */
  servername?: string;
  timeoutMs?: number;
}

/** A FAIL envelope, thrown by the typed operations. */
export class VdxpFailure extends Error {
  readonly errorCode: string;
  readonly edocCode: string | undefined;
  constructor(
    readonly operation: Operation,
    readonly envelope: Envelope,
  ) {
    super(`${operation}: ${envelope.ErrorCode} ${envelope.ErrorDesc}`);
    this.errorCode = envelope.ErrorCode;
    this.edocCode = envelope.edocCode;
  }
}

export interface RawReply {
  httpStatus: number;
  contentType: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Federation's reason header on updateStatus fail (URI-encoded: reasons are Vietnamese too). */
export const REASON_HEADER = "x-edoc-reason";

/** Parameters of one call: header values by name without prefix, and an optional body. */
export interface CallInput {
  params?: Record<string, string | undefined>;
  body?: Buffer;
  contentType?: string;
  /** override the operation's method (tests of the listener's refusals) */
  method?: string;
  /** skip the authentication headers, or sign with another secret (refusal tests) */
  auth?: "none" | { secret: string } | { timestamp: Date };
  /** extra headers sent as named, outside the signed set (federation's `x-edoc-trace`) */
  headers?: Record<string, string>;
}

/**
 * A client of the national axis protocol, speaking it the way the axis SDK does: every call
 * carries the signed `XroadVnpt-*` headers; sendEdoc sends the edXML followed by CRLF with a
 * hash-file without leading zeros; getEdoc decodes the base64 `data`; downloadEdoc is a raw GET.
 * The typed operations return the OK answer and throw VdxpFailure on a FAIL envelope.
 */
export class VdxpClient {
  constructor(private readonly o: VdxpClientOptions) {}

  /**
   * `trace` (a peer hub's link): the hops before the far side, this hub's own entry last, sent
   * as `x-edoc-trace`; the signed packet itself is never touched.
   */
  async sendEdoc(
    from: string,
    edxml: Buffer,
    messageType: MessageType = "edoc",
    trace?: HopTrace,
  ): Promise<string> {
    const body = Buffer.concat([edxml, Buffer.from("\r\n")]);
    const a = await this.json("sendEdoc", SendAnswer, {
      params: { from, servicetype: "eDoc", messagetype: messageType, "hash-file": hashFile(edxml) },
      body,
      contentType: "application/octet-stream",
      ...(trace !== undefined && { headers: { [TRACE_HEADER]: encodeTrace(trace) } }),
    });
    return a.DocId;
  }

  async getReceivedEdocList(messageType: MessageType = "edoc") {
    return (
      await this.json("getReceivedEdocList", ReceivedListAnswer, {
        params: { servicetype: "eDoc", messagetype: messageType },
      })
    ).data;
  }

  async getEdoc(docId: string, filePath = "."): Promise<Buffer> {
    return (await this.getEdocTraced(docId, filePath)).bytes;
  }

  /**
   * getEdoc as a downstream hub reads it: the bytes and the hops they made (`x-edoc-trace`,
   * the upstream's own entry last; empty from a listener that sends none), or why the header
   * is not a trace.
   */
  async getEdocTraced(
    docId: string,
    filePath = ".",
  ): Promise<{ bytes: Buffer; trace: TraceDecode }> {
    const r = await this.call("getEdoc", { params: { docId, filePath } });
    const env = parseEnvelope("getEdoc", r);
    if (env.status !== "OK") throw new VdxpFailure("getEdoc", env);
    const a = EdocAnswer.parse(env);
    const header = r.headers[TRACE_HEADER];
    return {
      bytes: Buffer.from(a.data, "base64"),
      trace: decodeTrace(Array.isArray(header) ? header[0] : header),
    };
  }

  async downloadEdoc(docId: string): Promise<Buffer> {
    const r = await this.call("downloadEdoc", { params: { docId } });
    if (r.contentType.startsWith("application/json")) this.failed("downloadEdoc", r);
    return r.body;
  }

  /** `reason` (a refusing hub's code and message) travels as `x-edoc-reason`. */
  async updateStatus(docId: string, status: "done" | "fail", reason?: string): Promise<void> {
    await this.json("updateStatus", EnvelopeSchema, {
      params: { docId, status },
      ...(reason ? { headers: { [REASON_HEADER]: encodeURIComponent(reason.slice(0, 900)) } } : {}),
    });
  }

  async countReceiveEdoc(): Promise<number> {
    return (await this.json("countReceiveEdoc", CountAnswer, {})).count;
  }

  async countReceiveStatus(): Promise<number> {
    return (await this.json("countReceiveStatus", CountAnswer, {})).count;
  }

  async getSentEdocList(docId?: string, messageType: MessageType = "edoc") {
    return (
      await this.json("getSentEdocList", SentListAnswer, {
        params: { docId, servicetype: "eDoc", messagetype: messageType },
      })
    ).data;
  }

  async getAgenciesList() {
    return (await this.json("getAgenciesList", AgenciesAnswer, {})).data;
  }

  async getAgenciesListQD20(level?: string) {
    return (await this.json("getAgenciesListQD20", AgenciesQd20Answer, { params: { level } })).data;
  }

  async getSynchronizeUnit(level?: string) {
    return (await this.json("getSynchronizeUnit", UnitsAnswer, { params: { level } })).data;
  }

  async registerAgency(agency: RegisterAgencyBody): Promise<Envelope> {
    return this.json("registerAgency", EnvelopeSchema, {
      body: Buffer.from(JSON.stringify(agency)),
      contentType: "application/json",
    });
  }

  async deleteAgency(agencyCode: string): Promise<Envelope> {
    return this.json("deleteAgency", EnvelopeSchema, { params: { AgencyCode: agencyCode } });
  }

  /** One call, answered as a JSON envelope (OK or FAIL, whatever HTTP said). */
  async envelope(operation: string, input: CallInput = {}): Promise<Envelope> {
    const r = await this.call(operation, input);
    return parseEnvelope(operation, r);
  }

  private async json<S extends z.ZodType>(
    operation: Operation,
    schema: S,
    input: CallInput,
  ): Promise<z.infer<S>> {
    const r = await this.call(operation, input);
    const env = parseEnvelope(operation, r);
    if (env.status !== "OK") throw new VdxpFailure(operation, env);
    return schema.parse(env);
  }

  private failed(operation: Operation, r: RawReply): never {
    throw new VdxpFailure(operation, parseEnvelope(operation, r));
  }

  /** The raw exchange: headers signed as the SDK signs them. */
  call(operation: string, input: CallInput = {}): Promise<RawReply> {
    const method = input.method ?? (OPERATIONS as Record<string, string>)[operation] ?? "POST";
    const contentType = input.contentType ?? "application/json";
    const signed: [string, string][] = [
      ["systemid", this.o.systemId],
      ["timestamp", formatTimestamp((auth(input, "timestamp") as Date | undefined) ?? new Date())],
      ["Content-Type", contentType],
    ];
    const params = Object.entries(input.params ?? {}).filter(
      (e): e is [string, string] => e[1] !== undefined,
    );
    for (const p of params) if (p[0] === "messagetype" || p[0] === "servicetype") signed.push(p);
    const headers: Record<string, string> = {
      "User-Agent": "JAVASDKAgent/1.0.0 XRoad/VPCP",
      [headerName("version")]: PROTOCOL_VERSION,
      "Content-Type": contentType,
    };
    for (const [n, v] of [...signed, ...params]) headers[headerName(n)] = v;
    Object.assign(headers, input.headers);
    if (input.auth !== "none") {
      const secret = (auth(input, "secret") as string | undefined) ?? this.o.secret;
      Object.assign(headers, signHeaders(signed, secret));
    }
    if (input.body) headers["Content-Length"] = String(input.body.length);
    const url = new URL(`${this.o.endpoint.replace(/\/$/, "")}/${operation}`);
    return this.send(url, method, headers, input.body, operation, true);
  }

  /**
   * A kept-alive connection the server closed while idle fails at once with ECONNRESET: that
   * request never reached the server, so it is sent again once on a fresh connection (Node's
   * documented `reusedSocket` check; sendEdoc is idempotent anyway, by the hub's dedupe).
   */
  private send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    operation: string,
    retry: boolean,
  ): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          headers,
          ...(this.o.ca ? { ca: this.o.ca } : {}),
          ...(this.o.cert && this.o.key ? { cert: this.o.cert, key: this.o.key } : {}),
          ...(this.o.servername ? { servername: this.o.servername } : {}),
          timeout: this.o.timeoutMs ?? 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              httpStatus: res.statusCode ?? 0,
              contentType: String(res.headers["content-type"] ?? ""),
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${operation}: no answer in time`)));
      req.on("error", (err: Error & { code?: string }) => {
        if (retry && req.reusedSocket && err.code === "ECONNRESET") {
          this.send(url, method, headers, body, operation, false).then(resolve, reject);
        } else reject(err);
      });
      req.end(body);
    });
  }
}

function auth(input: CallInput, key: "secret" | "timestamp"): string | Date | undefined {
  const a = input.auth;
  if (a && a !== "none" && key in a) return (a as Record<string, string | Date>)[key];
  return undefined;
}

/** An answer that is not an envelope is the server's fault: the SDK would crash on it. */
function parseEnvelope(operation: string, r: RawReply): Envelope {
  let raw: unknown;
  try {
    raw = JSON.parse(r.body.toString("utf8"));
  } catch {
    throw new Error(`${operation}: HTTP ${r.httpStatus}, not a JSON envelope`);
  }
  const env = EnvelopeSchema.safeParse(raw);
  if (!env.success) throw new Error(`${operation}: HTTP ${r.httpStatus}, no status envelope`);
  return env.data as Envelope;
}
