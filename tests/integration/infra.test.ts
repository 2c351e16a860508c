import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { amqpUrl, mongoUrl, uniqueName } from "../support/env.js";

// Smoke test: the servers the project's own scripts start are real and usable as the hub uses them.
describe("infrastructure", () => {
  it("RabbitMQ: durable quorum queue with publisher confirms round-trips a message", async () => {
    const conn = await amqp.connect(amqpUrl);
    try {
      const ch = await conn.createConfirmChannel();
      const q = uniqueName("smoke");
      await ch.assertQueue(q, { durable: true, arguments: { "x-queue-type": "quorum" } });
      ch.sendToQueue(q, Buffer.from("xin chào"), { persistent: true });
      await ch.waitForConfirms();
      let msg: amqp.GetMessage | false = false;
      for (let i = 0; i < 50 && !msg; i++) {
        msg = await ch.get(q, { noAck: true });
        if (!msg) await new Promise((r) => setTimeout(r, 50));
      }
      expect(msg ? msg.content.toString() : undefined).toBe("xin chào");
      await ch.deleteQueue(q);
      await ch.close();
    } finally {
      await conn.close();
    }
  });

  it("MongoDB protocol (FerretDB): unique index makes a second insert fail and upserts are idempotent", async () => {
    const client = await MongoClient.connect(mongoUrl);
    const db = client.db(uniqueName("smoke").replaceAll("-", "_"));
    try {
      const col = db.collection<{ _id: string; n: number }>("things");
      await col.createIndex({ n: 1 }, { unique: true });
      await col.insertOne({ _id: "a", n: 1 });
      await expect(col.insertOne({ _id: "b", n: 1 })).rejects.toMatchObject({ code: 11000 });
      await col.updateOne({ _id: "c" }, { $setOnInsert: { n: 2 } }, { upsert: true });
      await col.updateOne({ _id: "c" }, { $setOnInsert: { n: 3 } }, { upsert: true });
      expect(await col.findOne({ _id: "c" })).toEqual({ _id: "c", n: 2 });
    } finally {
      await db.dropDatabase();
      await client.close();
    }
  });

  it("service logs are created 0640 in a 0750 directory, whatever the umask (infra/lib.sh private_log)", () => {
    const dir = mkdtempSync(join(tmpdir(), "edoc-logs-"));
    try {
      const fresh = join(dir, "logs", "gateway.log");
      const old = join(dir, "old.log");
      writeFileSync(old, "", { mode: 0o666 });
      const lib = join(import.meta.dirname, "../../infra/lib.sh");
      execFileSync(
        "bash",
        ["-c", `umask 000; source "$0"; private_log "$1"; private_log "$2"`, lib, fresh, old],
        {
          env: { ...process.env, EDOC_STATE_DIR: dir },
        },
      );
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect(mode(fresh)).toBe(0o640);
      expect(mode(join(dir, "logs"))).toBe(0o750);
      expect(mode(old)).toBe(0o640);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
