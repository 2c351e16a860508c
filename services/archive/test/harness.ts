import { createHash, randomBytes, sign } from "node:crypto";
import { Bus, RpcError } from "@edoc/bus";
import type {
  AcceptRequest,
  RouteRequest,
  RoutingPlanMessage,
  RpcMethod,
  RpcResultOf,
} from "@edoc/messages";
import { deliveryIdFor } from "@edoc/routing";
import { createLogger } from "@edoc/runtime";
import { connectStore, type Store } from "@edoc/store";
import { type Archive, type ArchiveOptions, createArchive } from "../src/archive.js";

export const amqpUrl = process.env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
export const mongoUrl =
  process.env.EDOC_MONGO_URL ??
  "mongodb://127.0.0.1:27017/?retryWrites=false&directConnection=true";

export function waitFor<T>(get: () => T | undefined | Promise<T | undefined>, ms = 10_000) {
  const deadline = Date.now() + ms;
  return new Promise<T>((resolve, reject) => {
    const tick = async () => {
      try {
        const v = await get();
        if (v !== undefined) return resolve(v);
      } catch (err) {
        return reject(err);
      }
      if (Date.now() > deadline) return reject(new Error("timed out waiting"));
      setTimeout(tick, 25);
    };
    void tick();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The RpcError a call is refused with (fails the test when it is not refused). */
export async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof RpcError)) throw new Error(`expected an RpcError, got ${String(err)}`);
  return err;
}

export interface Harness {
  prefix: string;
  store: Store;
  /** the archive's own connection */
  bus: Bus;
  /** the test's connection: it plays the gateway and the router */
  peer: Bus;
  archive: Archive;
  /** every RouteRequest the archive published, in arrival order */
  routed: { messageId: string | undefined; body: RouteRequest }[];
  rpc<M extends RpcMethod>(method: M, params: unknown, bytes?: Buffer): Promise<RpcResultOf<M>>;
  /** waits until `archive.plans` is drained, then a little longer for handlers to finish */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(opts: {
  reconcileMs?: number;
  chainHeadMs?: number;
  hubKeyPem?: string;
  gauges?: ArchiveOptions["gauges"];
  retentionDays?: number;
  /** Sees every database command the archive sends (name, duration). */
  onCommand?: (name: string, ms: number) => void;
}): Promise<Harness> {
  const prefix = `t-archive-${randomBytes(4).toString("hex")}`;
  const store = await connectStore({
    url: mongoUrl,
    dbName: prefix,
    ...(opts.onCommand ? { onCommand: opts.onCommand } : {}),
  });
  const log = createLogger("archive", process.env.EDOC_TEST_LOG ?? "silent");
  const bus = await Bus.connect({ url: amqpUrl, prefix, logger: log, deliveryLimit: 3 });
  const peer = await Bus.connect({ url: amqpUrl, prefix, deliveryLimit: 3 });
  // The test plays the signer service: the same rsa-sha256 signature, by a key in memory.
  const { hubKeyPem, onCommand: _onCommand, ...rest } = opts;
  const signHead = hubKeyPem
    ? async (payload: Buffer) => sign("sha256", payload, hubKeyPem)
    : undefined;
  const archive = await createArchive({
    store,
    bus,
    log,
    ...rest,
    ...(signHead ? { signHead } : {}),
  });
  await archive.start();
  const routed: Harness["routed"] = [];
  await peer.consume("router.inbound", async (m) => {
    routed.push({ messageId: m.messageId, body: m.json() as RouteRequest });
  });
  return {
    prefix,
    store,
    bus,
    peer,
    archive,
    routed,
    rpc: (method, params, bytes) =>
      peer.call("archive.rpc", method, params, 20_000, bytes) as Promise<
        RpcResultOf<typeof method>
      >,
    async settle() {
      await waitFor(async () => {
        const stats = await peer.stats();
        const plans = stats.find((s) => s.queue === "archive.plans");
        const dead = stats.find((s) => s.queue === "dead");
        return plans?.messages === 0 && dead?.messages === 0 ? true : undefined;
      });
      await sleep(400);
    },
    async close() {
      await archive.stop();
      await peer.deleteAll().catch(() => undefined);
      await peer.close();
      await bus.close();
      await store.db.dropDatabase();
      await store.close();
    },
  };
}

export const ORG = {
  province: "000.00.00.H53",
  finance: "000.00.02.H53",
  home: "000.00.03.H53",
  health: "000.00.04.H53",
  district: "000.00.31.H53",
  ministry: "000.00.00.G22",
} as const;

let counter = 0;

export function bytesOf(text: string): { edxml: string; digest: string; size: number } {
  const buf = Buffer.from(text, "utf8");
  return {
    edxml: buf.toString("base64"),
    digest: createHash("sha256").update(buf).digest("hex"),
    size: buf.length,
  };
}

/** What the gateway would hand the archive for a verified letter. */
export function letter(over: Partial<AcceptRequest> & { body?: string } = {}): AcceptRequest {
  counter++;
  const { body, ...rest } = over;
  const from = rest.from ?? ORG.province;
  const documentId =
    rest.documentId ?? `${from},2025/07/01,${counter}/UBND-VP-${randomBytes(2).toString("hex")}`;
  const hubDocumentId = `hub-${randomBytes(8).toString("hex")}`;
  return {
    hubDocumentId,
    kind: "letter",
    docType: "new",
    from,
    submittedBy: from,
    documentId,
    to: [ORG.finance, ORG.home],
    subject: "Về việc triển khai liên thông văn bản điện tử",
    code: `${counter}/UBND-VP`,
    priority: 0,
    ...bytesOf(
      body ?? `<edXML n="${counter}">${documentId} ${randomBytes(4).toString("hex")}</edXML>`,
    ),
    receivedAt: new Date().toISOString(),
    signer: {
      subject: `CN=${from}`,
      serialNumber: "01",
      organIds: [from],
      fingerprintSha256: "ab".repeat(32),
    },
    receiptXml: `<Receipt hubDocumentId="${hubDocumentId}"/>`,
    ...rest,
  };
}

/** A status packet from `from` about `original`. */
export function status(
  from: string,
  original: { from: string; documentId: string },
  code: string,
  body = `<status ${code} ${randomBytes(4).toString("hex")}/>`,
): AcceptRequest {
  return letter({
    kind: "status",
    docType: "status",
    from,
    submittedBy: from,
    documentId: `${from},2025/07/02,status-${randomBytes(3).toString("hex")}`,
    to: [],
    subject: undefined,
    code: undefined,
    priority: undefined,
    status: {
      code,
      responseForOrganId: original.from,
      responseForDocumentId: original.documentId,
    },
    body,
  });
}

/** The router's plan: one delivery per recipient (addressed directly). */
export function planFor(
  hubDocumentId: string,
  recipients: string[],
  extra: Partial<RoutingPlanMessage> = {},
): RoutingPlanMessage {
  return {
    hubDocumentId,
    deliveries: recipients.map((r) => ({
      deliveryId: deliveryIdFor(hubDocumentId, r as Parameters<typeof deliveryIdFor>[1]),
      recipient: r,
      addressedTo: r,
      via: [],
    })),
    returned: [],
    withdraw: false,
    plannedAt: new Date().toISOString(),
    ...extra,
  };
}

export function deliveryId(hubDocumentId: string, recipient: string): string {
  return deliveryIdFor(hubDocumentId, recipient as Parameters<typeof deliveryIdFor>[1]);
}
