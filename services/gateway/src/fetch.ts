import { once } from "node:events";
import type { Bus } from "@edoc/bus";
import type { Response } from "express";
import { callArchiveForBytes } from "./rpc.js";

export interface ChunkedFetch {
  actingFor: string[];
  deliveryId: string;
  chunks: number;
  size: number | undefined;
}

/**
 * Writes a large packet to the response one archive chunk at a time (`inbox.fetchChunk`), so
 * the gateway holds at most two chunks of it (the next one is asked for while this one is
 * written; each is the raw body of its RPC reply). A failure before the first byte is an ordinary API
 * error; after it, the connection is cut: a short body (Content-Length) tells the client.
 */
export async function streamChunks(bus: Bus, res: Response, f: ChunkedFetch): Promise<void> {
  if (f.size !== undefined) res.setHeader("Content-Length", String(f.size));
  const ask = (index: number) =>
    callArchiveForBytes(
      bus,
      "inbox.fetchChunk",
      { actingFor: f.actingFor, deliveryId: f.deliveryId, index },
      30_000,
    ).then((out) => out.bytes);
  const closed = once(res, "close").then(() => false);
  let next = ask(0);
  for (let index = 0; index < f.chunks; index++) {
    let data: Buffer;
    try {
      data = await next;
    } catch (err) {
      if (index === 0) throw err;
      res.log.error({ err, index }, "fetching a chunk failed mid-response; connection cut");
      res.destroy();
      return;
    }
    if (index + 1 < f.chunks) {
      next = ask(index + 1);
      next.catch(() => {}); // handled when awaited
    }
    if (!(await written(res, data, closed))) return;
  }
  res.end();
}

/** Writes and waits until the bytes left the buffer (it is reused); false if the client left. */
async function written(res: Response, bytes: Buffer, closed: Promise<boolean>): Promise<boolean> {
  if (res.destroyed) return false;
  const done = new Promise<boolean>((resolve) => res.write(bytes, (err) => resolve(!err)));
  return Promise.race([done, closed]);
}
