import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import amqp from "amqplib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { uniqueName } from "../support/env.js";

// The three-node cluster of infra/rabbitmq-cluster.sh: a quorum queue replicated on all three
// nodes keeps every confirmed message, and keeps taking new ones, when its leader's node stops.
// The shared node on 5672 is left alone.
const run = promisify(execFile);
const script = fileURLToPath(new URL("../../infra/rabbitmq-cluster.sh", import.meta.url));
const cluster = (...args: string[]) => run("bash", [script, ...args], { timeout: 300_000 });
const PORTS = [5681, 5682, 5683];
const node = (n: number) => `edoc-c${n}@localhost`;
const url = (n: number) => `amqp://guest:guest@127.0.0.1:${PORTS[n - 1]}`;

/** The shared node's OS pid (RabbitMQ's pid file), to show it is the same process afterwards. */
const sharedPid = () => {
  try {
    return readFileSync("/var/lib/rabbitmq/mnesia/edoc@localhost.pid", "utf8").trim();
  } catch {
    return undefined;
  }
};

interface QueueInfo {
  name: string;
  members: string[];
  online: string[];
  leader: string;
}

async function queueInfo(via: number, name: string): Promise<QueueInfo | undefined> {
  const { stdout } = await run(
    "rabbitmqctl",
    ["-n", node(via), "list_queues", "name", "members", "online", "leader", "--formatter", "json"],
    { env: { ...process.env, HOME: "/var/lib/rabbitmq" }, timeout: 60_000 },
  );
  return (JSON.parse(stdout) as QueueInfo[]).find((q) => q.name === name);
}

/** Publishes `bodies` on a confirm channel and waits until the cluster has confirmed them all. */
async function publish(conn: amqp.ChannelModel, queue: string, bodies: string[]): Promise<void> {
  const ch = await conn.createConfirmChannel();
  for (const b of bodies) ch.sendToQueue(queue, Buffer.from(b), { persistent: true });
  await ch.waitForConfirms();
  await ch.close();
}

async function drain(conn: amqp.ChannelModel, queue: string, count: number): Promise<string[]> {
  const ch = await conn.createChannel();
  const got: string[] = [];
  for (let idle = 0; got.length < count && idle < 100; ) {
    const m = await ch.get(queue, { noAck: false });
    if (m) {
      got.push(m.content.toString());
      ch.ack(m);
    } else {
      idle++;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await ch.close();
  return got;
}

const pidBefore = sharedPid();

beforeAll(async () => {
  await cluster("start");
}, 300_000);
afterAll(async () => {
  await cluster("stop");
  expect(sharedPid()).toBe(pidBefore);
}, 300_000);

it("a quorum queue on all three nodes loses nothing and keeps serving when its leader's node stops", async () => {
  expect((await cluster("status")).stdout.trim()).toBe("running");
  const queue = uniqueName("cluster");
  const first = await amqp.connect(url(1));
  first.on("error", () => {}); // the node under it is about to stop
  const ch = await first.createChannel();
  await ch.assertQueue(queue, {
    durable: true,
    arguments: { "x-queue-type": "quorum", "x-quorum-initial-group-size": 3 },
  });
  await ch.close();
  const info = await queueInfo(1, queue);
  expect(info?.members.sort()).toEqual([node(1), node(2), node(3)]);

  const before = Array.from({ length: 50 }, (_, i) => `before-${i}`);
  await publish(first, queue, before);

  const leader = Number(/^edoc-c(\d)@/.exec(info?.leader ?? "")?.[1]);
  expect([1, 2, 3]).toContain(leader);
  await cluster("stop-node", String(leader));
  const survivor = leader === 1 ? 2 : 1;
  const after = (await queueInfo(survivor, queue)) as QueueInfo;
  expect(after.online).not.toContain(node(leader));
  expect(after.online).toHaveLength(2);

  const conn = await amqp.connect(url(survivor));
  try {
    const later = Array.from({ length: 50 }, (_, i) => `after-${i}`);
    await publish(conn, queue, later);
    const got = await drain(conn, queue, 100);
    expect(got.sort()).toEqual([...before, ...later].sort());
    const ch2 = await conn.createChannel();
    await ch2.deleteQueue(queue);
    await ch2.close();
  } finally {
    await conn.close();
    await first.close().catch(() => {});
  }
}, 300_000);
