import type { Bus } from "@edoc/bus";
import { type RpcMethod, RpcParams, type RpcParamsOf, RpcResults } from "@edoc/messages";
import type { Logger } from "@edoc/runtime";
import express, { type NextFunction, type Request, type Response } from "express";
import { Counter, type Registry } from "prom-client";
import { type ActsFor, authenticate, type Caller } from "./auth.js";
import { readPacketBody } from "./body.js";
import { ApiError } from "./errors.js";
import { streamChunks } from "./fetch.js";
import { logFields, requestLog } from "./request-log.js";
import { callArchive } from "./rpc.js";
import type { RateLimiter } from "./shared-rate-limit.js";
import { type SubmitDeps, submitPacket } from "./submit.js";

export interface GatewayDeps extends SubmitDeps {
  bus: Bus;
  log: Logger;
  metrics: Registry;
  actsFor: ActsFor;
  /** Largest packet accepted, in bytes (base64 attachments included). */
  maxPacketBytes: number;
  /** Per authenticated agency, applied before any body is read (shared-rate-limit.ts). */
  rateLimit: RateLimiter;
  /** Maintenance mode: throws 503 MAINTENANCE while new submissions are refused. */
  refuseIfMaintenance: () => void;
  /** Live revocation of the client certificate (client-revocation.ts); throws to refuse. */
  checkClient?: (req: Request) => Promise<void>;
  /** Extra health checks (signing key, directory validity), name → ok. */
  health: () => Promise<Record<string, boolean>>;
}

type Handler = (req: Request, res: Response, caller: Caller) => Promise<void>;

/** The largest refused body read to its end rather than cut (maintenance refusals only). */
const MAX_DRAINED_BYTES = 1024 * 1024;

/** The agencies' API (`/api/v1`) plus `/health`. Mounted on the mTLS server by main.ts. */
export function createGatewayApp(deps: GatewayDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.use(requestLog(deps.log));
  const refusals = new Counter({
    name: "edoc_gateway_refusals_total",
    help: "Requests refused, by error code",
    labelNames: ["code"],
    registers: [deps.metrics],
  });
  const accepted = new Counter({
    name: "edoc_gateway_packets_total",
    help: "Packets accepted or replayed, by kind and outcome",
    labelNames: ["kind", "outcome"],
    registers: [deps.metrics],
  });

  // Authentication, then the rate limit, then the handler: nothing is read, parsed or verified
  // for a request that is refused.
  const route =
    (h: Handler) =>
    (req: Request, res: Response, next: NextFunction): void => {
      let caller: Caller;
      try {
        caller = authenticate(req, deps.actsFor);
      } catch (err) {
        next(err);
        return;
      }
      deps.rateLimit
        .take(`org:${caller.organId}`)
        .then((wait) => {
          if (wait > 0) {
            const retryAfter = Math.max(1, Math.ceil(wait));
            throw ApiError.of(
              "RATE_LIMITED",
              `too many requests from ${caller.organId}; retry in ${retryAfter} s`,
              { retryAfterSeconds: retryAfter },
            );
          }
          return deps.checkClient?.(req);
        })
        .then(() => h(req, res, caller))
        .catch(next);
    };

  const submit = (kind: "letter" | "status"): Handler => {
    return async (req, res, caller) => {
      // Refused before the body is read: inboxes stay open, submissions wait (Retry-After).
      deps.refuseIfMaintenance();
      const body = await readPacketBody(req, deps.maxPacketBytes);
      try {
        const result = await submitPacket(deps, caller, body, kind);
        accepted.inc({ kind, outcome: result.body.outcome });
        logFields(res, {
          msg: "packet accepted",
          docId: result.body.hubDocumentId,
          outcome: result.body.outcome,
          size: body.size,
          streamed: body.kind === "spooled",
        });
        res.status(result.status).json(result.body);
      } finally {
        body.dispose();
      }
    };
  };

  const api = express.Router();
  api.post("/documents", route(submit("letter")));
  api.post("/statuses", route(submit("status")));

  api.get(
    "/inbox",
    route(async (req, res, caller) => {
      const state = typeof req.query.state === "string" ? req.query.state : "pending";
      const limit = req.query.limit === undefined ? 500 : Number(req.query.limit);
      const params = parseParams("inbox.list", { actingFor: caller.actingFor, state, limit });
      res.json(await callArchive(deps.bus, "inbox.list", params));
    }),
  );
  api.get(
    "/inbox/:deliveryId/edxml",
    route(async (req, res, caller) => {
      const params = parseParams("inbox.fetch", {
        actingFor: caller.actingFor,
        deliveryId: req.params.deliveryId,
      });
      const out = await callArchive(deps.bus, "inbox.fetch", params, 30_000);
      logFields(res, {
        msg: "delivery fetched",
        deliveryId: out.item.deliveryId,
        docId: out.item.hubDocumentId,
      });
      res.setHeader("X-Edoc-Delivery-Id", out.item.deliveryId);
      res.setHeader("X-Edoc-Hub-Document-Id", out.item.hubDocumentId);
      res.type("application/xml");
      if (out.edxml !== undefined) {
        res.send(Buffer.from(out.edxml, "base64"));
        return;
      }
      await streamChunks(deps.bus, res, { ...params, chunks: out.chunks ?? 0, size: out.size });
    }),
  );
  api.post(
    "/inbox/:deliveryId/ack",
    express.json({ limit: "16kb" }),
    route(async (req, res, caller) => {
      const body = (req.body ?? {}) as { result?: unknown; reason?: unknown };
      const params = parseParams("inbox.ack", {
        actingFor: caller.actingFor,
        deliveryId: req.params.deliveryId,
        result: body.result,
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      });
      const out = await callArchive(deps.bus, "inbox.ack", params);
      logFields(res, {
        msg: "delivery acknowledged",
        deliveryId: out.item.deliveryId,
        docId: out.item.hubDocumentId,
        result: params.result,
      });
      res.json(out);
    }),
  );
  api.get(
    "/documents",
    route(async (req, res, caller) => {
      const limit = Number(req.query.limit ?? 100);
      const params = parseParams("documents.list", { actingFor: caller.actingFor, limit });
      res.json(await callArchive(deps.bus, "documents.list", params));
    }),
  );
  api.get(
    "/documents/:id/trace",
    route(async (req, res, caller) => {
      const params = parseParams("documents.trace", {
        actingFor: caller.actingFor,
        id: req.params.id,
      });
      res.json(await callArchive(deps.bus, "documents.trace", params));
    }),
  );
  // Signed, timestamped chain heads: any agency may keep its own copy (docs/receipts.md).
  api.get(
    "/chain/heads",
    route(async (req, res) => {
      const params = parseParams("chain.heads", {
        since: req.query.since === undefined ? -1 : Number(req.query.since),
        limit: req.query.limit === undefined ? 100 : Number(req.query.limit),
      });
      res.json(await callArchive(deps.bus, "chain.heads", params));
    }),
  );
  api.get(
    "/agencies",
    route(async (req, res) => {
      const at = typeof req.query.at === "string" ? new Date(req.query.at) : new Date();
      if (Number.isNaN(at.getTime())) throw ApiError.of("BAD_REQUEST", "`at` must be an ISO date");
      res.json({ at: at.toISOString(), agencies: deps.directory().list(at) });
    }),
  );
  app.use("/api/v1", api);

  // Served without a client certificate: answered from a result at most a second old, so a
  // flood of health checks never becomes a flood of archive calls.
  let lastHealth: { at: number; checks: Promise<Record<string, boolean>> } | undefined;
  app.get("/health", async (_req, res) => {
    if (!lastHealth || Date.now() - lastHealth.at > 1_000) {
      lastHealth = { at: Date.now(), checks: health(deps) };
    }
    const checks = await lastHealth.checks;
    const ok = Object.values(checks).every(Boolean);
    res.status(ok ? 200 : 503).json({ status: ok ? "ok" : "degraded", checks });
  });

  app.use((_req, _res, next) => next(ApiError.of("NOT_FOUND", "no such endpoint")));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = toApiError(err);
    refusals.inc({ code: e.code });
    // The request's one line (request-log.ts) carries the refusal.
    if (e.status >= 500 && e.code !== "MAINTENANCE") {
      logFields(res, { msg: "request failed", err, code: e.code });
    } else logFields(res, { msg: "request refused", code: e.code, reason: e.message });
    if (e.status === 503) res.setHeader("Retry-After", "5");
    if (e.code === "RATE_LIMITED" || e.code === "MAINTENANCE") {
      const { retryAfterSeconds } = e.details as { retryAfterSeconds: number };
      res.setHeader("Retry-After", String(retryAfterSeconds));
    }
    // Refused before its body was read: close rather than drain an upload of any size. During
    // maintenance every submission is refused, so a small body (≤ 1 MiB declared) is drained
    // instead: closing on unread bytes can reset the connection before the 503 is read.
    if (!req.complete) {
      const declared = Number(req.headers["content-length"] ?? Number.NaN);
      if (e.code === "MAINTENANCE" && declared <= MAX_DRAINED_BYTES) req.resume();
      else res.setHeader("Connection", "close");
    }
    res.status(e.status).json({
      code: e.code,
      message: e.message,
      ...(e.details !== undefined ? { details: e.details } : {}),
    });
  });
  return app;
}

async function health(deps: GatewayDeps): Promise<Record<string, boolean>> {
  const checks: Record<string, boolean> = { broker: deps.bus.connected };
  try {
    const h = RpcResults.health.parse(await deps.bus.call("archive.rpc", "health", {}, 3_000));
    checks.database = h.database;
  } catch {
    checks.database = false;
  }
  return { ...checks, ...(await deps.health()) };
}

function parseParams<M extends RpcMethod>(method: M, raw: unknown): RpcParamsOf<M> {
  const r = RpcParams[method].safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw ApiError.of(
      "BAD_REQUEST",
      `${issue?.path.join(".") || "request"}: ${issue?.message ?? "invalid"}`,
    );
  }
  return r.data as RpcParamsOf<M>;
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === "entity.too.large")
    return ApiError.of("PAYLOAD_TOO_LARGE", "request body too large");
  if (e?.type === "entity.parse.failed")
    return ApiError.of("BAD_REQUEST", "request body is not valid JSON");
  return ApiError.of("INTERNAL", "internal error");
}
