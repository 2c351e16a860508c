import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { Request } from "express";
import { describe, expect, it } from "vitest";
import { bodyDigest, type PacketBody, readPacketBody } from "../src/body.js";

/** A request whose body arrives in `parts`, as the HTTP parser hands chunks over. */
function requestOf(parts: string[]): Request {
  const stream = Readable.from(parts.map((p) => Buffer.from(p))) as unknown as Request;
  Object.assign(stream, { headers: { "content-type": "application/octet-stream" } });
  return stream;
}

function bytesOf(body: PacketBody): Buffer {
  if (body.kind === "inline") return body.bytes;
  return Buffer.concat([...body.spool.read(0, body.size, 1024)].map((b) => Buffer.from(b)));
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("readPacketBody, the VDXP door's trailing CRLF", () => {
  const file = `<?xml version="1.0"?><edXML>${"x".repeat(3000)}</edXML>`;

  for (const threshold of [1 << 20, 1024]) {
    const where = threshold > 4096 ? "in memory" : "spooled";
    it(`drops one CRLF split over chunks, ${where}; size and digest are the file's`, async () => {
      const sent = `${file}\r\n`;
      const parts = [sent.slice(0, 1500), sent.slice(1500, -1), sent.slice(-1)];
      const body = await readPacketBody(requestOf(parts), 1 << 22, {
        threshold,
        dropTrailingCrlf: true,
      });
      expect(body.kind).toBe(threshold > 4096 ? "inline" : "spooled");
      expect(body.size).toBe(file.length);
      expect(bodyDigest(body)).toBe(sha(file));
      expect(bytesOf(body).toString()).toBe(file);
      body.dispose();
    });
  }

  it("keeps a body without CRLF whole, and drops only one of two", async () => {
    const plain = await readPacketBody(requestOf([file]), 1 << 22, { dropTrailingCrlf: true });
    expect(bytesOf(plain).toString()).toBe(file);
    const two = await readPacketBody(requestOf([`${file}\r\n\r\n`]), 1 << 22, {
      dropTrailingCrlf: true,
    });
    expect(bytesOf(two).toString()).toBe(`${file}\r\n`);
  });

  it("the native door keeps every byte", async () => {
    const body = await readPacketBody(requestOf([`${file}\r\n`]), 1 << 22);
    expect(bytesOf(body).toString()).toBe(`${file}\r\n`);
  });
});
