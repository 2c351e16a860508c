import { randomBytes } from "node:crypto";
import { verifyPacket } from "@edoc/signature";
import amqp from "amqplib";
import { MongoClient } from "mongodb";
import { amqpUrl, mongoUrl, uniqueName } from "../tests/support/env.js";
import type { TestHub } from "../tests/support/hub.js";

/**
 * What the hub's figures are compared with, measured in the same run on the same machine:
 * the raw cost of the pieces every letter must pass through.
 */

/** Raw amqplib: publish with confirms (`outstanding` in flight) → consume, one quorum queue. */
export async function amqpRoundTrip(
  bytes: number,
  count: number,
  outstanding: number,
): Promise<number> {
  const conn = await amqp.connect(amqpUrl);
  try {
    const pub = await conn.createConfirmChannel();
    const sub = await conn.createChannel();
    const q = uniqueName("bench-raw");
    await pub.assertQueue(q, { durable: true, arguments: { "x-queue-type": "quorum" } });
    const body = randomBytes(bytes);
    let received = 0;
    const allIn = new Promise<void>((resolve) => {
      void sub.prefetch(200);
      void sub.consume(q, (m) => {
        if (!m) return;
        sub.ack(m);
        if (++received === count) resolve();
      });
    });
    const start = process.hrtime.bigint();
    let sent = 0;
    const inflight = new Set<Promise<void>>();
    while (sent < count) {
      const p = new Promise<void>((resolve, reject) =>
        pub.sendToQueue(q, body, { persistent: true }, (err: unknown) =>
          err ? reject(err) : resolve(),
        ),
      ).then(() => {
        inflight.delete(p);
      });
      inflight.add(p);
      sent++;
      if (inflight.size >= outstanding) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    await allIn;
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    await pub.deleteQueue(q);
    return count / secs;
  } finally {
    await conn.close();
  }
}

/** Raw driver: insert receipt-sized documents one by one (what an unbatched writer does). */
export async function mongoInserts(count: number): Promise<number> {
  const client = await MongoClient.connect(mongoUrl);
  const db = client.db(uniqueName("bench_raw").replaceAll("-", "_"));
  try {
    const col = db.collection<{ _id: string; hash: string; body: string }>("receipts");
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      await col.insertOne({
        _id: `k${i}`,
        hash: randomBytes(32).toString("hex"),
        body: "x".repeat(300),
      });
    }
    return count / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    await db.dropDatabase();
    await client.close();
  }
}

/** The gateway's signature check alone (xml-crypto + certificate path), same letter. */
export async function verifyOnly(hub: TestHub, packet: Buffer, count: number): Promise<number> {
  const policy = {
    trustAnchors: [hub.pki.root.certificatePem],
    intermediates: [hub.pki.issuing.certificatePem],
  };
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const { report } = await verifyPacket(packet, policy);
    if (!report.valid) throw new Error("bench letter does not verify");
  }
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}
