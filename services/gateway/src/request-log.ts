import type { Logger } from "@edoc/runtime";
import type { NextFunction, Request, Response } from "express";
import { peerOrganId } from "./auth.js";

declare module "http" {
  interface IncomingMessage {
    /** Sequence number of the request in this process (the line's `reqId`); typed as pino-http has it. */
    id: number | string | object;
    /** Bound to the request id; for the rare line besides the request's own. */
    log: Logger;
  }
  interface ServerResponse {
    log: Logger;
  }
}

/** What a handler or the error handler adds to its request's one log line. */
export interface LineFields {
  /** The line's message; default "request completed". */
  msg?: string;
  /** Default: error for 5xx (but MAINTENANCE), warn for 4xx, info otherwise (VDXP answers 200). */
  level?: "info" | "warn" | "error";
  [field: string]: unknown;
}

/** Adds fields (the correlation id `docId`, an outcome, a refusal code...) to the request's line. */
export function logFields(res: Response, fields: LineFields): void {
  const locals = res.locals as { line?: LineFields };
  locals.line = { ...locals.line, ...fields };
}

/**
 * One structured line per request, written when the response is finished (or the client
 * left), with what the handlers added (logFields): a submission, fetch or acknowledgement is
 * one line carrying its docId or deliveryId, its outcome or refusal code, status and duration.
 * pino-http serialized the whole request for a child logger on every request and wrote a
 * completion line besides the handler's; here `req.log` is a child bound to the request id
 * only (for the rare extra line, such as a fetch cut mid-response).
 */
export function requestLog(log: Logger) {
  let seq = 0;
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const reqId = ++seq;
    req.id = reqId;
    const child = log.child({ reqId });
    req.log = child;
    res.log = child;
    let written = false;
    const write = (): void => {
      if (written) return;
      written = true;
      const { msg, level: chosen, ...fields } = (res.locals as { line?: LineFields }).line ?? {};
      const status = res.statusCode;
      const line = {
        method: req.method,
        url: req.originalUrl,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        organId: peerOrganId(req),
        ...(res.writableFinished ? {} : { aborted: true }),
        ...fields,
      };
      const level =
        chosen ??
        (status >= 500 && fields.code !== "MAINTENANCE"
          ? "error"
          : status >= 400
            ? "warn"
            : "info");
      child[level](line, msg ?? "request completed");
    };
    res.once("finish", write);
    res.once("close", write);
    next();
  };
}
