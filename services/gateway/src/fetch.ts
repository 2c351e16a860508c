import { once } from "node:events";
import type { Bus } from "@edoc/bus";
import { RpcResults } from "@edoc/messages";
import type { Response } from "express";
import { callArchive } from "./rpc.js";

export interface ChunkedFetch {
  actingFor: string[];
  deliveryId: string;
  chunks: number;
  size: number | undefined;
}

/**
 * Writes a large packet to the response one archive chunk at a time (`inbox.fetchChunk`), so
 * the gateway holds at most one chunk of it. A failure before the first byte is an ordinary
 * API error; after it, the connection is cut: a short body (Content-Length) tells the client.
 */
export async function streamChunks(bus: Bus, res: Response, f: ChunkedFetch): Promise<void> {
  if (f.size !== undefined) res.setHeader("Content-Length", String(f.size));
  for (let index = 0; index < f.chunks; index++) {
    let data: Buffer;
    try {
      const out = RpcResults["inbox.fetchChunk"].parse(
        await callArchive(
          bus,
          "inbox.fetchChunk",
          { actingFor: f.actingFor, deliveryId: f.deliveryId, index },
          30_000,
        ),
      );
      data = Buffer.from(out.data, "base64");
    } catch (err) {
      if (index === 0) throw err;
      res.log.error({ err, index }, "fetching a chunk failed mid-response; connection cut");
      res.destroy();
      return;
    }
    if (res.destroyed) return;
    if (!res.write(data)) await Promise.race([once(res, "drain"), once(res, "close")]);
  }
  res.end();
}
