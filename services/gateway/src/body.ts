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
    req.on("error", (err) =>
      reject(ApiError.of("BAD_REQUEST", `request body incomplete: ${err.message}`)),
    );
  });
}

function readMultipart(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: ApiError) => {
      if (settled) return;
      settled = true;
      req.unpipe();
      req.resume(); // the error handler closes the connection; nothing more is parsed
      reject(err);
    };
    const malformed = (err: Error) =>
      fail(ApiError.of("BAD_REQUEST", `malformed multipart body: ${err.message}`));
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: limit, files: 1, fields: 20 } });
    } catch (err) {
      malformed(err as Error);
      return;
    }
    let file: Buffer | undefined;
    let failure: ApiError | undefined;
    bb.on("file", (name, stream) => {
      // Every stream gets an error listener: busboy errors them on a truncated body, and an
      // unhandled 'error' would take the whole gateway down.
      stream.on("error", malformed);
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
    bb.on("filesLimit", () => {
      failure ??= ApiError.of(
        "BAD_REQUEST",
        'multipart body has more than one file; send one "file"',
      );
    });
    bb.on("error", malformed);
    bb.on("close", () => {
      if (settled) return;
      if (failure) fail(failure);
      else if (!file) fail(ApiError.of("BAD_REQUEST", 'multipart body has no field "file"'));
      else {
        settled = true;
        resolve(file);
      }
    });
    req.on("error", malformed);
    req.pipe(bb);
  });
}
