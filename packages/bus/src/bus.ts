import { randomUUID } from "node:crypto";
import amqp, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type Options,
  type RecoveringChannelModel,
} from "amqplib";
import { BusUnavailableError, PermanentError, RpcError, RpcTimeoutError } from "./errors.js";
import {
  BROADCASTS,
  type Broadcast,
  DEAD_QUEUE,
  declareTopology,
  type QueueName,
  queueName,
  RPC_QUEUES,
  type RpcQueue,
  WORK_QUEUES,
  type WorkQueue,
} from "./topology.js";

/** The subset of a pino logger the bus needs. */
export interface BusLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface BusOptions {
  /**
   * The broker, or a cluster's nodes as a comma-separated list (EDOC_AMQP_URL): the first that
   * answers is used, and after a lost connection or a failed attempt the next one in turn.
   */
  url: string;
  /** Prefix of every queue name: one hub (or one test run) per prefix. */
  prefix: string;
  logger?: BusLogger;
  /** Failed deliveries of one message before it is dead-lettered. */
  deliveryLimit?: number;
  /** First delay before a failed message is redelivered; doubles each time (default 500 ms). */
  retryBaseMs?: number;
  /** Longest delay between redeliveries (default 30 s). */
  retryMaxMs?: number;
  /** Give up at start after this many connection retries (the process then exits). */
  initialRetries?: number;
}

export interface InboundMessage {
  readonly body: Buffer;
  readonly messageId: string | undefined;
  readonly correlationId: string | undefined;
  readonly headers: Readonly<Record<string, unknown>>;
  /** How many times this message was delivered before and not acknowledged. */
  readonly redeliveries: number;
  json(): unknown;
}

export interface PublishProps {
  messageId: string;
  correlationId?: string;
  headers?: Record<string, string | number | boolean>;
}

export type Handler = (msg: InboundMessage) => Promise<void>;
export type RpcHandler = (method: string, params: unknown, msg: InboundMessage) => Promise<unknown>;

/**
 * An RPC request or reply that carries raw bytes beside its JSON (a chunk of a large packet):
 * the bytes are the message body and the JSON travels in the `x-edoc-rpc` header, so neither
 * side builds base64 or JSON strings of them. A handler returns one to reply with bytes; a
 * call resolves to one when the reply carried bytes.
 */
export class RpcBytes {
  constructor(
    readonly value: unknown,
    readonly bytes: Buffer,
  ) {}
}

const RPC_JSON_HEADER = "x-edoc-rpc";

/** The raw bytes an RPC request carried beside its params, if any. */
export function rpcBytesOf(msg: InboundMessage): Buffer | undefined {
  return typeof msg.headers[RPC_JSON_HEADER] === "string" ? msg.body : undefined;
}

export interface QueueStats {
  queue: string;
  messages: number;
  consumers: number;
}

type RpcReply =
  | { ok: true; value: unknown }
  | { ok: false; error: { code: string; message: string; status: number; details?: unknown } };

interface Consumer {
  queue: QueueName;
  prefetch: number;
  handler: (msg: ConsumeMessage, ch: Channel) => Promise<void>;
}

interface Subscriber {
  broadcast: Broadcast;
  handler: Handler;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

const REPLY_TO = "amq.rabbitmq.reply-to";
const noopLogger: BusLogger = { info() {}, warn() {}, error() {} };

/**
 * The hub's only way between services: durable quorum queues, publisher confirms, consumers
 * that ack after their work is durable, bounded redelivery then dead-lettering with the reason,
 * and request/reply over direct reply-to. Reconnection is amqplib's own recovery; after each
 * (re)connect the topology and every registered consumer are set up again.
 */
export class Bus {
  private model: RecoveringChannelModel | undefined;
  private confirm: ConfirmChannel | undefined;
  private rpcChannel: Channel | undefined;
  private readonly consumers: Consumer[] = [];
  private readonly subscribers: Subscriber[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly log: BusLogger;
  private readonly deliveryLimit: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private closing = false;
  private nodes: BrokerNodes | undefined;
  private replies: RecoveringChannelModel | undefined;
  private replyChannel: Channel | undefined;

  private constructor(private readonly opts: BusOptions) {
    this.log = opts.logger ?? noopLogger;
    this.deliveryLimit = opts.deliveryLimit ?? 5;
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
  }

  static async connect(opts: BusOptions): Promise<Bus> {
    const bus = new Bus(opts);
    const nodes = brokerNodes(opts.url);
    bus.nodes = nodes;
    const model = await amqp.connect(nodes.target, {
      recovery: {
        initialDelay: 200,
        maxDelay: 5_000,
        initialMaxRetries: opts.initialRetries ?? 20,
        maxRetries: Number.POSITIVE_INFINITY,
        waitForConnect: false,
        setup: (m: ChannelModel) => bus.setup(m),
      },
    });
    bus.model = model;
    // Each attempt after a failure or a loss goes to the next node (that one may be down).
    model.on("connect-failed", () => nodes.next());
    model.on("disconnect", (err: Error) => {
      nodes.next();
      bus.confirm = undefined;
      bus.rpcChannel = undefined;
      bus.failPending(new BusUnavailableError(`broker connection lost: ${err.message}`));
      if (!bus.closing) bus.log.warn({ err: err.message }, "broker disconnected; reconnecting");
    });
    // Say why a (re)connection fails — e.g. a queue declared with other arguments — instead of
    // retrying silently.
    model.on("reconnect-scheduled", (info: { attempt: number; delay: number; error: Error }) =>
      bus.log.warn(
        { attempt: info.attempt, delayMs: info.delay, err: info.error.message },
        "broker connection failed; retrying",
      ),
    );
    model.on("error", (err: Error) => bus.log.warn({ err: err.message }, "broker error"));
    await model.waitForConnect();
    return bus;
  }

  get connected(): boolean {
    return this.confirm !== undefined;
  }

  name(q: QueueName): string {
    return queueName(this.opts.prefix, q);
  }

  private async setup(model: ChannelModel): Promise<void> {
    const confirm = await model.createConfirmChannel();
    await declareTopology(confirm, { prefix: this.opts.prefix, deliveryLimit: this.deliveryLimit });
    const rpc = await model.createChannel();
    await rpc.consume(REPLY_TO, (msg) => msg && this.onReply(msg), { noAck: true });
    for (const c of this.consumers) await this.startConsumer(model, c);
    for (const s of this.subscribers) await this.startSubscriber(model, s);
    this.confirm = confirm;
    this.rpcChannel = rpc;
    this.log.info(
      { prefix: this.opts.prefix, consumers: this.consumers.length, node: this.node() },
      "broker connected",
    );
  }

  /** host:port of the node this bus is connected to (the first of the list before that). */
  private node(): string {
    return this.nodes?.describe() ?? "";
  }

  private async startConsumer(model: ChannelModel, c: Consumer): Promise<void> {
    const ch = await model.createChannel();
    await ch.prefetch(c.prefetch);
    await ch.consume(this.name(c.queue), (msg) => {
      if (!msg) return;
      // An ack, nack or reply on a channel closed meanwhile (its node went away) throws: the
      // message is unacknowledged, and the broker hands it out again.
      c.handler(msg, ch).catch((err: unknown) =>
        this.log.warn(
          { queue: c.queue, messageId: msg.properties.messageId, err: errText(err) },
          "message left unacknowledged (channel closed); it will be redelivered",
        ),
      );
    });
  }

  private async startSubscriber(model: ChannelModel, s: Subscriber): Promise<void> {
    const ch = await model.createChannel();
    // A server-named queue of this connection only, gone with it: one copy per process.
    const { queue } = await ch.assertQueue("", { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, queueName(this.opts.prefix, s.broadcast), "");
    await ch.consume(
      queue,
      (raw) => {
        if (!raw) return;
        s.handler(inbound(raw)).catch((err: unknown) =>
          this.log.warn({ broadcast: s.broadcast, err: errText(err) }, "broadcast handler failed"),
        );
      },
      { noAck: true },
    );
  }

  /**
   * Sends `value` to every process subscribed to `broadcast` now (fanout), once the broker
   * confirmed it. Not durable for absent subscribers: they must also look for themselves.
   */
  async broadcast(broadcast: Broadcast, value: unknown): Promise<void> {
    const ch = this.confirm;
    if (!ch) throw new BusUnavailableError();
    await new Promise<void>((resolve, reject) => {
      ch.publish(
        queueName(this.opts.prefix, broadcast),
        "",
        Buffer.from(JSON.stringify(value)),
        { contentType: "application/json", messageId: randomUUID() },
        (err: unknown) =>
          err
            ? reject(new BusUnavailableError(`broadcast not confirmed: ${String(err)}`))
            : resolve(),
      );
    });
  }

  /**
   * Receives every `broadcast` sent while this process is connected (re-subscribed after each
   * reconnect). No acknowledgement and no redelivery: a failed handler is logged.
   */
  async subscribe(broadcast: Broadcast, handler: Handler): Promise<void> {
    const s: Subscriber = { broadcast, handler };
    this.subscribers.push(s);
    const model = this.currentModel();
    if (model && this.connected) await this.startSubscriber(model, s);
  }

  /** Publishes durably: resolves only once the broker confirmed it has the message. */
  async publish(
    queue: WorkQueue | typeof DEAD_QUEUE,
    body: Buffer,
    props: PublishProps,
  ): Promise<void> {
    const ch = this.confirm;
    if (!ch) throw new BusUnavailableError();
    await new Promise<void>((resolve, reject) => {
      ch.sendToQueue(
        this.name(queue),
        body,
        {
          persistent: true,
          messageId: props.messageId,
          correlationId: props.correlationId,
          headers: props.headers,
          contentType: "application/json",
        },
        (err: unknown) =>
          err
            ? reject(new BusUnavailableError(`publish not confirmed: ${String(err)}`))
            : resolve(),
      );
    });
  }

  publishJson(queue: WorkQueue, value: unknown, props: PublishProps): Promise<void> {
    return this.publish(queue, Buffer.from(JSON.stringify(value)), props);
  }

  /**
   * Consumes a work queue. The message is acknowledged after `handler` resolves; a thrown
   * `PermanentError`, or any error on the last allowed delivery, dead-letters it with the reason;
   * other errors put it back for redelivery. Handlers must therefore be idempotent.
   */
  async consume(
    queue: WorkQueue | typeof DEAD_QUEUE,
    handler: Handler,
    opts: { prefetch?: number } = {},
  ): Promise<void> {
    const consumer: Consumer = {
      queue,
      prefetch: opts.prefetch ?? 16,
      handler: async (raw, ch) => {
        const msg = inbound(raw);
        try {
          await handler(msg);
          ch.ack(raw);
        } catch (err) {
          const last = msg.redeliveries + 1 >= this.deliveryLimit;
          if (err instanceof PermanentError || last) {
            await this.deadLetter(queue, raw, msg, err).then(
              () => ch.ack(raw),
              () => ch.nack(raw, false, true),
            );
          } else {
            this.log.warn(
              {
                queue,
                messageId: msg.messageId,
                redeliveries: msg.redeliveries,
                err: errText(err),
              },
              "handler failed; will retry",
            );
            // Back off before handing it back: an outage (database restarting) must outlast
            // the retries, or the message would be dead-lettered within milliseconds.
            const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** msg.redeliveries);
            setTimeout(() => {
              try {
                ch.nack(raw, false, true);
              } catch {
                // Channel gone: the broker redelivers the unacked message anyway.
              }
            }, delay).unref();
          }
        }
      },
    };
    await this.register(consumer);
  }

  /** Remembers a consumer (set up again after every reconnect) and starts it now if connected. */
  private async register(consumer: Consumer): Promise<void> {
    this.consumers.push(consumer);
    const model = this.currentModel();
    if (model && this.connected) await this.startConsumer(model, consumer);
  }

  private currentModel(): ChannelModel | undefined {
    // The recovering model forwards createChannel to the live connection.
    return this.model as unknown as ChannelModel | undefined;
  }

  private async deadLetter(
    queue: string,
    raw: ConsumeMessage,
    msg: InboundMessage,
    err: unknown,
  ): Promise<void> {
    const reason = err instanceof PermanentError ? err.code : "DELIVERY_LIMIT";
    this.log.error(
      { queue, messageId: msg.messageId, reason, err: errText(err) },
      "message dead-lettered",
    );
    await this.publish(DEAD_QUEUE, raw.content, {
      messageId: msg.messageId ?? randomUUID(),
      correlationId: msg.correlationId,
      headers: {
        ...stringHeaders(raw.properties.headers),
        "x-edoc-origin-queue": queue,
        "x-edoc-reason": reason,
        "x-edoc-error": errText(err).slice(0, 1000),
        "x-edoc-dead-at": new Date().toISOString(),
      },
    });
  }

  /** Serves `method(params)` requests on an RPC queue; errors are answered, never redelivered. */
  async serve(
    queue: RpcQueue,
    handler: RpcHandler,
    opts: { prefetch?: number } = {},
  ): Promise<void> {
    await this.openReplies();
    const consumer: Consumer = {
      queue,
      prefetch: opts.prefetch ?? 16,
      handler: async (raw, ch) => {
        const msg = inbound(raw);
        let reply: RpcReply;
        try {
          const header = msg.headers[RPC_JSON_HEADER];
          const req = (typeof header === "string" ? JSON.parse(header) : msg.json()) as {
            method?: unknown;
            params?: unknown;
          };
          if (typeof req.method !== "string")
            throw new RpcError("RPC_BAD_REQUEST", "method missing");
          reply = { ok: true, value: await handler(req.method, req.params, msg) };
          if (reply.value instanceof RpcBytes) {
            const { value, bytes } = reply.value;
            const replyTo = raw.properties.replyTo as string | undefined;
            if (replyTo) {
              (await this.replyVia(ch)).sendToQueue(replyTo, bytes, {
                correlationId: raw.properties.correlationId as string | undefined,
                contentType: "application/octet-stream",
                headers: { [RPC_JSON_HEADER]: JSON.stringify({ ok: true, value }) },
              });
            }
            ch.ack(raw);
            return;
          }
        } catch (err) {
          if (err instanceof RpcError) {
            reply = {
              ok: false,
              error: {
                code: err.code,
                message: err.message,
                status: err.status,
                details: err.details,
              },
            };
          } else {
            this.log.error({ queue, err: errText(err) }, "rpc handler crashed");
            reply = {
              ok: false,
              error: { code: "INTERNAL", message: "internal error", status: 503 },
            };
          }
        }
        const replyTo = raw.properties.replyTo as string | undefined;
        if (replyTo) {
          (await this.replyVia(ch)).sendToQueue(replyTo, Buffer.from(JSON.stringify(reply)), {
            correlationId: raw.properties.correlationId as string | undefined,
          });
        }
        ch.ack(raw);
      },
    };
    await this.register(consumer);
  }

  /**
   * Calls `method` on an RPC queue. The request expires with the timeout, so a request that
   * times out was never executed unless a consumer took it in the last instant; callers keep
   * RPCs idempotent for that case.
   */
  async call(
    queue: RpcQueue,
    method: string,
    params: unknown,
    timeoutMs = 10_000,
    bytes?: Buffer,
  ): Promise<unknown> {
    const ch = this.rpcChannel;
    if (!ch) throw new BusUnavailableError();
    const correlationId = randomUUID();
    const result = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new RpcTimeoutError(queue, timeoutMs));
      }, timeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer });
    });
    const props = { correlationId, replyTo: REPLY_TO, expiration: String(timeoutMs) };
    if (bytes) {
      ch.sendToQueue(this.name(queue), bytes, {
        ...props,
        contentType: "application/octet-stream",
        headers: { [RPC_JSON_HEADER]: JSON.stringify({ method, params }) },
      });
    } else {
      ch.sendToQueue(this.name(queue), Buffer.from(JSON.stringify({ method, params })), {
        ...props,
        contentType: "application/json",
      });
    }
    return result;
  }

  private onReply(raw: ConsumeMessage): void {
    const id = raw.properties.correlationId as string | undefined;
    const p = id ? this.pending.get(id) : undefined;
    if (!p || !id) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    let reply: RpcReply;
    const header = (raw.properties.headers as Record<string, unknown> | undefined)?.[
      RPC_JSON_HEADER
    ];
    try {
      reply = JSON.parse(
        typeof header === "string" ? header : raw.content.toString("utf8"),
      ) as RpcReply;
    } catch {
      p.reject(new RpcError("RPC_BAD_REPLY", "unreadable reply", 502));
      return;
    }
    if (reply.ok && typeof header === "string") p.resolve(new RpcBytes(reply.value, raw.content));
    else if (reply.ok) p.resolve(reply.value);
    else
      p.reject(
        new RpcError(
          reply.error.code,
          reply.error.message,
          reply.error.status,
          reply.error.details,
        ),
      );
  }

  private failPending(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }

  /** Depth and consumers of every hub queue (operators' live view, health). */
  async stats(): Promise<QueueStats[]> {
    const ch = this.confirm;
    if (!ch) throw new BusUnavailableError();
    const out: QueueStats[] = [];
    for (const q of [...WORK_QUEUES, ...RPC_QUEUES, DEAD_QUEUE] as const) {
      const s = await ch.checkQueue(this.name(q));
      out.push({ queue: q, messages: s.messageCount, consumers: s.consumerCount });
    }
    return out;
  }

  /** Removes every queue of this prefix (tests only). */
  async deleteAll(): Promise<void> {
    const ch = this.confirm;
    if (!ch) throw new BusUnavailableError();
    for (const q of [...WORK_QUEUES, ...RPC_QUEUES, DEAD_QUEUE] as const)
      await ch.deleteQueue(this.name(q));
    for (const b of BROADCASTS) await ch.deleteExchange(queueName(this.opts.prefix, b));
  }

  async close(): Promise<void> {
    this.closing = true;
    this.failPending(new BusUnavailableError("bus closed"));
    await this.replies?.close().catch(() => undefined);
    await this.model?.close().catch(() => undefined);
  }

  /**
   * RPC replies leave on a connection of their own. Why: a reply to a caller whose broker node
   * has gone (its direct reply-to names a process there) makes RabbitMQ close the replying
   * connection with 541 INTERNAL_ERROR; on the consumers' connection that dropped every
   * consumer and unacknowledged request, again for each stale request, for as long as they
   * took to expire (measured: 28 s of reconnects after a node stop). Now only this connection
   * is lost, and re-opened; the request is acknowledged on its own channel either way.
   */
  private async openReplies(): Promise<void> {
    if (this.replies) return;
    const nodes = brokerNodes(this.opts.url);
    const model = await amqp.connect(nodes.target, {
      recovery: {
        initialDelay: 200,
        maxDelay: 5_000,
        initialMaxRetries: this.opts.initialRetries ?? 20,
        maxRetries: Number.POSITIVE_INFINITY,
        waitForConnect: false,
        setup: async (m: ChannelModel) => {
          this.replyChannel = await m.createChannel();
        },
      },
    });
    this.replies = model;
    model.on("connect-failed", () => nodes.next());
    model.on("disconnect", (err: Error) => {
      nodes.next();
      this.replyChannel = undefined;
      if (!this.closing) this.log.warn({ err: err.message }, "reply connection lost; reopening");
    });
    model.on("error", () => undefined);
    await model.waitForConnect();
  }

  /**
   * The channel a reply leaves on: the replies' connection (waiting up to 2 s while it is
   * re-opened), else the request's own channel.
   */
  private async replyVia(ch: Channel): Promise<Channel> {
    for (let waited = 0; !this.replyChannel && waited < 2_000 && !this.closing; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.replyChannel ?? ch;
  }
}

function inbound(raw: ConsumeMessage): InboundMessage {
  const headers = (raw.properties.headers ?? {}) as Record<string, unknown>;
  const count = headers["x-delivery-count"];
  return {
    body: raw.content,
    messageId: raw.properties.messageId as string | undefined,
    correlationId: raw.properties.correlationId as string | undefined,
    headers,
    redeliveries: typeof count === "number" ? count : raw.fields.redelivered ? 1 : 0,
    json: () => JSON.parse(raw.content.toString("utf8")) as unknown,
  };
}

function stringHeaders(
  h: Record<string, unknown> | undefined,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
  }
  return out;
}

function errText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** A node's URL as the fields amqplib reads from a URL object (lib/connect.js). */
function urlParts(url: string): Options.Connect {
  const u = new URL(url);
  const parts: Options.Connect = {
    protocol: u.protocol.replace(/:$/, ""),
    hostname: u.hostname.replace(/^\[|\]$/g, ""),
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    vhost: decodeURIComponent(u.pathname.slice(1)) || "/",
  };
  if (u.port) parts.port = Number(u.port);
  for (const k of ["heartbeat", "frameMax", "channelMax"] as const) {
    const v = u.searchParams.get(k);
    if (v !== null) parts[k] = Number(v);
  }
  const locale = u.searchParams.get("locale");
  if (locale !== null) parts.locale = locale;
  return parts;
}

/**
 * The broker nodes of `url` (comma-separated). `target` is what amqplib connects to: the URL
 * itself for one node, else an object whose fields are read, at each connection attempt, from
 * the current node; `next()` moves on to the following one.
 */
export interface BrokerNodes {
  target: string | Options.Connect;
  next(): void;
  describe(): string;
}

export function brokerNodes(url: string): BrokerNodes {
  const list = url
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean);
  let at = 0;
  const describe = () => {
    const u = new URL(list[at] ?? url);
    return u.host;
  };
  if (list.length <= 1) return { target: list[0] ?? url, next() {}, describe };
  const parts = list.map(urlParts);
  const target = new Proxy({} as Options.Connect, {
    get: (_t, field) => parts[at]?.[field as keyof Options.Connect],
  });
  return {
    target,
    next() {
      at = (at + 1) % parts.length;
    },
    describe,
  };
}
