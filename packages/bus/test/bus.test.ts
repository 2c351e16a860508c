import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Bus,
  type InboundMessage,
  PermanentError,
  RpcBytes,
  RpcError,
  RpcTimeoutError,
  rpcBytesOf,
} from "../src/index.js";

// Runs against the real RabbitMQ that infra/test.sh starts; each run uses its own queue prefix.
const url = process.env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const prefix = `t-bus-${randomBytes(4).toString("hex")}`;
let bus: Bus;

function waitFor<T>(get: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = get();
      if (v !== undefined) return resolve(v);
      if (Date.now() > deadline) return reject(new Error("timed out waiting"));
      setTimeout(tick, 20);
    };
    tick();
  });
}

beforeAll(async () => {
  bus = await Bus.connect({ url, prefix, deliveryLimit: 3, retryBaseMs: 20 });
});
afterAll(async () => {
  await bus.deleteAll();
  await bus.close();
});

describe("Bus", () => {
  it("delivers a confirmed message, retries a failing handler, then dead-letters it with the reason", async () => {
    const seen: InboundMessage[] = [];
    const times = new Map<string, number[]>();
    const dead: InboundMessage[] = [];
    await bus.consume("dead", async (m) => {
      dead.push(m);
    });
    await bus.consume("router.inbound", async (m) => {
      seen.push(m);
      times.set(m.messageId ?? "", [...(times.get(m.messageId ?? "") ?? []), Date.now()]);
      const body = m.json() as { n: number };
      if (body.n === 2) throw new Error("transient failure");
      if (body.n === 3) throw new PermanentError("PLAN_INVALID", "cannot route this");
    });
    await bus.publishJson("router.inbound", { n: 1 }, { messageId: "m1" });
    await bus.publishJson("router.inbound", { n: 2 }, { messageId: "m2" });
    await bus.publishJson("router.inbound", { n: 3 }, { messageId: "m3" });

    const twoDead = await waitFor(() => (dead.length >= 2 ? dead : undefined));
    const byId = new Map(twoDead.map((m) => [m.messageId, m]));
    expect(byId.get("m2")?.headers["x-edoc-reason"]).toBe("DELIVERY_LIMIT");
    expect(byId.get("m2")?.headers["x-edoc-error"]).toContain("transient failure");
    expect(byId.get("m3")?.headers["x-edoc-reason"]).toBe("PLAN_INVALID");
    expect(byId.get("m3")?.headers["x-edoc-origin-queue"]).toBe("router.inbound");
    expect(seen.filter((m) => m.messageId === "m1")).toHaveLength(1);
    // m2 was tried exactly deliveryLimit times, m3 once.
    expect(seen.filter((m) => m.messageId === "m2")).toHaveLength(3);
    expect(seen.filter((m) => m.messageId === "m3")).toHaveLength(1);
    // Redeliveries back off exponentially (20 ms, then 40 ms here).
    const t = times.get("m2") ?? [];
    expect((t[1] ?? 0) - (t[0] ?? 0)).toBeGreaterThanOrEqual(18);
    expect((t[2] ?? 0) - (t[1] ?? 0)).toBeGreaterThanOrEqual(38);
  });

  it("answers RPC calls, passes refusals through with their code, and times out when nobody answers", async () => {
    await bus.serve("archive.rpc", async (method, params, msg) => {
      if (method === "echo") return params;
      // Raw bytes both ways, beside the JSON: the body reversed, the params echoed.
      if (method === "reverse") {
        const bytes = rpcBytesOf(msg);
        if (!bytes) throw new RpcError("NO_BYTES", "no bytes", 400);
        return new RpcBytes(params, Buffer.from(bytes).reverse());
      }
      throw new RpcError("NOT_FOUND", `no method ${method}`, 404);
    });
    await expect(bus.call("archive.rpc", "echo", { a: "ồ" })).resolves.toEqual({ a: "ồ" });
    const payload = randomBytes(1024 * 1024);
    const reply = await bus.call("archive.rpc", "reverse", { i: 1 }, 10_000, payload);
    expect(reply).toBeInstanceOf(RpcBytes);
    expect((reply as RpcBytes).value).toEqual({ i: 1 });
    expect((reply as RpcBytes).bytes.equals(Buffer.from(payload).reverse())).toBe(true);
    await expect(bus.call("archive.rpc", "reverse", {})).rejects.toMatchObject({
      code: "NO_BYTES",
    });
    await expect(bus.call("archive.rpc", "nope", {})).rejects.toMatchObject({
      code: "NOT_FOUND",
      status: 404,
    });

    const lonely = await Bus.connect({ url, prefix: `${prefix}-lonely` });
    try {
      await expect(lonely.call("archive.rpc", "echo", {}, 300)).rejects.toBeInstanceOf(
        RpcTimeoutError,
      );
    } finally {
      await lonely.deleteAll();
      await lonely.close();
    }
  });

  it("reports queue depth and consumers", async () => {
    const stats = await bus.stats();
    expect(stats.find((s) => s.queue === "router.inbound")).toMatchObject({ consumers: 1 });
    expect(stats.map((s) => s.queue)).toContain("dead");
  });

  it("fans a broadcast out to every subscribed process, each with its own queue", async () => {
    const other = await Bus.connect({ url, prefix, deliveryLimit: 3 });
    try {
      const got: Array<{ who: string; body: unknown }> = [];
      await bus.subscribe("directory.changed", async (m) => {
        got.push({ who: "first", body: m.json() });
      });
      await other.subscribe("directory.changed", async (m) => {
        got.push({ who: "second", body: m.json() });
      });
      await other.broadcast("directory.changed", { version: 7 });
      await waitFor(() => (got.length >= 2 ? got : undefined));
      expect(got.map((g) => g.who).sort()).toEqual(["first", "second"]);
      expect(got.every((g) => (g.body as { version: number }).version === 7)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it("takes a comma-separated list of nodes and connects to the first that answers", async () => {
    // Port 1 refuses at once: a cluster node that is down.
    const listed = await Bus.connect({
      url: `amqp://guest:guest@127.0.0.1:1, ${url}`,
      prefix: `${prefix}-nodes`,
      deliveryLimit: 3,
      initialRetries: 5,
    });
    try {
      const seen: string[] = [];
      await listed.consume("router.inbound", async (m) => void seen.push(String(m.messageId)));
      await listed.publishJson("router.inbound", { n: 1 }, { messageId: "via-second-node" });
      expect(await waitFor(() => (seen.length > 0 ? seen : undefined))).toEqual([
        "via-second-node",
      ]);
    } finally {
      await listed.deleteAll();
      await listed.close();
    }
  });
});
