import type { Logger } from "@edoc/runtime";
import type { NextFunction, Request, Response } from "express";
import { peerOrganId } from "./auth.js";

/** What a handler or the error handler adds to its request's one log line. */
export interface LineFields {
  /** The line's message; default "request completed". */
  msg?: string;
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
      const { msg, ...fields } = (res.locals as { line?: LineFields }).line ?? {};
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
        status >= 500 && fields.code !== "MAINTENANCE" ? "error" : status >= 400 ? "warn" : "info";
      child[level](line, msg ?? "request completed");
    };
    res.once("finish", write);
    res.once("close", write);
    next();
  };
}
