import busboy from "busboy";
import type { Request } from "express";
import { ApiError } from "./errors.js";

const XML_TYPES = [
  "application/xml",
  "text/xml",
  "application/octet-stream",
  "application/edxml+xml",
];

/**
 * The packet's exact bytes, from a raw XML body or, as the national axis's `sendEdoc` does,
 * a multipart upload with field `file`. Stops reading past `limit` bytes.
 */
export async function readPacketBody(req: Request, limit: number): Promise<Buffer> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit * 1.1 + 64 * 1024) throw tooLarge(limit);
  if (type === "multipart/form-data") return readMultipart(req, limit);
  if (XML_TYPES.includes(type) || type === "") return readRaw(req, limit);
  throw ApiError.of(
    "UNSUPPORTED_MEDIA_TYPE",
    `send the .edxml as application/xml, or multipart/form-data with field "file" (got ${type})`,
  );
}

function tooLarge(limit: number): ApiError {
  return ApiError.of("PAYLOAD_TOO_LARGE", `packet larger than ${limit} bytes`, { limit });
}

function readRaw(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

function readMultipart(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: limit, files: 1, fields: 20 } });
    } catch (err) {
      reject(ApiError.of("BAD_REQUEST", `malformed multipart body: ${(err as Error).message}`));
      return;
    }
    let file: Buffer | undefined;
    let failure: ApiError | undefined;
    bb.on("file", (name, stream) => {
      if (name !== "file") {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("limit", () => {
        failure = tooLarge(limit);
      });
      stream.on("end", () => {
        file = Buffer.concat(chunks);
      });
    });
    bb.on("error", (err: Error) =>
      reject(ApiError.of("BAD_REQUEST", `malformed multipart body: ${err.message}`)),
    );
    bb.on("close", () => {
      if (failure) reject(failure);
      else if (!file) reject(ApiError.of("BAD_REQUEST", 'multipart body has no field "file"'));
      else resolve(file);
    });
    req.pipe(bb);
  });
}
