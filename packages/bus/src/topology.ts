import type { Channel } from "amqplib";

/**
 * Every queue the hub uses. Work queues are durable quorum queues with a delivery limit, and
 * dead-letter into `dead`; RPC request queues carry per-message TTL so that a request nobody
 * answered in time is dropped rather than executed after its caller gave up.
 */
export const WORK_QUEUES = [
  /** archive → router: an accepted letter or status to route */
  "router.inbound",
  /** router → archive: the routing plan of one packet (deliveries, returns) */
  "archive.plans",
] as const;
export const RPC_QUEUES = [
  "archive.rpc",
  /** gateway, archive → signer: signatures with the hub key held in its PKCS#11 token */
  "signer.rpc",
] as const;
export const DEAD_QUEUE = "dead";
/**
 * Fanout exchanges: every subscribed process (each instance of each service) gets its own copy
 * in an exclusive auto-delete queue. For "something changed, look again" news only: a process
 * down when it is sent misses it, so subscribers also check periodically.
 */
export const BROADCASTS = [
  /** archive → every service: a new directory version (`DirectoryChanged`) */
  "directory.changed",
] as const;
export type Broadcast = (typeof BROADCASTS)[number];

export type WorkQueue = (typeof WORK_QUEUES)[number];
export type RpcQueue = (typeof RPC_QUEUES)[number];
export type QueueName = WorkQueue | RpcQueue | typeof DEAD_QUEUE;

export interface TopologyOptions {
  prefix: string;
  /** Redeliveries before a message is dead-lettered by the broker itself (safety net). */
  deliveryLimit: number;
}

export function queueName(prefix: string, q: QueueName | Broadcast): string {
  return `${prefix}.${q}`;
}

/** Declares the whole topology; idempotent, run after every (re)connect. */
export async function declareTopology(ch: Channel, opts: TopologyOptions): Promise<void> {
  const dead = queueName(opts.prefix, DEAD_QUEUE);
  await ch.assertQueue(dead, { durable: true, arguments: { "x-queue-type": "quorum" } });
  for (const q of WORK_QUEUES) {
    await ch.assertQueue(queueName(opts.prefix, q), {
      durable: true,
      arguments: {
        "x-queue-type": "quorum",
        "x-delivery-limit": opts.deliveryLimit,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dead,
      },
    });
  }
  for (const b of BROADCASTS) {
    await ch.assertExchange(queueName(opts.prefix, b), "fanout", { durable: true });
  }
  for (const q of RPC_QUEUES) {
    await ch.assertQueue(queueName(opts.prefix, q), {
      durable: true,
      arguments: { "x-queue-type": "quorum" },
    });
  }
}
