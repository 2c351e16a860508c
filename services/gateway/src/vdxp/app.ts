import type { Logger } from "@edoc/runtime";
import { isOperation, OPERATIONS } from "@edoc/vdxp";
import express, { type NextFunction, type Request, type Response } from "express";
import { Counter, type Registry } from "prom-client";
import { logFields, requestLog } from "../request-log.js";
import type { RateLimiter } from "../shared-rate-limit.js";
import { authenticateSystem, type SystemCaller, type VdxpAuthDeps } from "./auth.js";
import { OPERATION_HANDLERS, type OperationDeps } from "./operations.js";
import { envelopeOf, VdxpRefusal } from "./refusal.js";

export interface VdxpDeps extends OperationDeps, VdxpAuthDeps {
  log: Logger;
  metrics: Registry;
  /** per system */
  rateLimit: RateLimiter;
}

/**
 * The national axis protocol's door (VDXP, "XroadVnpt"): `{any path}/{operation}`, every
 * answer HTTP 200 with a `status` envelope, even for an unknown operation or a wrong method.
 * Order: operation and method, then authentication and the rate limit, then the handler:
 * nothing is read or parsed for a refused request.
 */
export function createVdxpApp(deps: VdxpDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  // One line per request, without headers (the system's HMAC header never reaches a log).
  app.use(requestLog(deps.log.child({ door: "vdxp" })));
  const answers = new Counter({
    name: "edoc_vdxp_requests_total",
    help: "VDXP listener requests, by operation and answer (OK or the FAIL ErrorCode)",
    labelNames: ["operation", "answer"],
    registers: [deps.metrics],
  });
  const registerBody = express.json({ limit: "16kb", type: () => true });

  app.use((req: Request, res: Response, next: NextFunction) => {
    const name = req.path.split("/").filter(Boolean).at(-1) ?? "";
    res.locals.operation = isOperation(name) ? name : "unknown";
    run(req, res, name).catch(next);
  });

  async function run(req: Request, res: Response, name: string): Promise<void> {
    if (!isOperation(name)) {
      throw new VdxpRefusal("UNKNOWN_OPERATION", `no operation ${JSON.stringify(name)}`);
    }
    if (req.method !== OPERATIONS[name]) {
      throw new VdxpRefusal("WRONG_METHOD", `${name} is called with ${OPERATIONS[name]}`);
    }
    const caller: SystemCaller = await authenticateSystem(req, deps);
    res.locals.systemId = caller.systemId;
    logFields(res, { systemId: caller.systemId });
    const wait = await deps.rateLimit.take(`system:${caller.systemId}`);
    if (wait > 0) {
      throw new VdxpRefusal("RATE_LIMITED", `too many requests; retry in ${Math.ceil(wait)} s`);
    }
    if (name === "registerAgency") {
      await new Promise<void>((resolve, reject) =>
        registerBody(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
      );
    }
    const envelope = await OPERATION_HANDLERS[name](deps, req, res, caller);
    answers.inc({ operation: name, answer: "OK" });
    if (envelope) res.status(200).json(envelope);
  }

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { envelope, internal } = envelopeOf(err);
    answers.inc({ operation: String(res.locals.operation), answer: envelope.ErrorCode });
    const log = {
      code: envelope.edocCode,
      errorCode: envelope.ErrorCode,
      systemId: res.locals.systemId,
    };
    if (internal) logFields(res, { msg: "VDXP request failed", level: "error", ...log, err });
    else {
      logFields(res, {
        msg: "VDXP request refused",
        level: "warn",
        ...log,
        reason: envelope.ErrorDesc,
      });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Refused before its body was read: close rather than drain an upload of any size.
    if (hasUnreadBody(req)) res.setHeader("Connection", "close");
    res.status(200).json(envelope);
  });
  return app;
}

/** A body was announced and not (fully) read: an upload the refusal must not wait for. */
function hasUnreadBody(req: Request): boolean {
  const announced =
    req.headers["transfer-encoding"] !== undefined ||
    Number(req.headers["content-length"] ?? 0) > 0;
  return announced && !req.complete;
}
