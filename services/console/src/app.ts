import type { Directory } from "@edoc/directory";
import type { Logger } from "@edoc/runtime";
import express, { type NextFunction, type Request, type Response } from "express";
import { agencyRoutes } from "./agency-routes.js";
import { ArchiveError, type ConsoleBus } from "./archive-client.js";
import type { ServiceEndpoint } from "./config.js";
import { guards, SECURITY_HEADERS } from "./guards.js";
import type { ServiceHealth } from "./health.js";
import { registerLetterRoutes } from "./letters-routes.js";
import type { LoginLimit } from "./login-limit.js";
import { registerLoginRoutes } from "./login-routes.js";
import { registerMaintenanceRoutes } from "./maintenance-routes.js";
import { registerOperationsRoutes } from "./operations-routes.js";
import { registerReportRoutes } from "./report-routes.js";
import type { SessionStore } from "./sessions.js";
import type { StuckPolicy } from "./stuck.js";
import { registerSystemsRoutes } from "./systems-routes.js";
import type { UserStore } from "./users.js";

export { LOGIN_COOKIE, SESSION_COOKIE } from "./cookies.js";
export type { Handler } from "./guards.js";

export interface ConsoleDeps {
  bus: ConsoleBus;
  log: Logger;
  users: UserStore;
  /** ArchiveSessions in production: every instance shares them, a restart keeps them */
  sessions: SessionStore;
  limiter: LoginLimit;
  directory: () => Directory;
  stuck: StuckPolicy;
  services: ServiceEndpoint[];
  css: string;
  /** Trust anchors for verifying letters (the hub's trust store); undefined: not configured. */
  trust?: () => { trustAnchors: string[]; intermediates: string[] } | undefined;
  /** the console's own row on the system page */
  selfHealth: () => ServiceHealth;
  now?: () => Date;
}

/**
 * The operators' and auditors' web console (server-rendered HTML). Mounted on HTTPS by
 * main.ts. The routes live in one module per area (login, letters, operations, maintenance,
 * agencies, systems, reports); this file puts them in order and answers errors.
 */
export function createConsoleApp(deps: ConsoleDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("trust proxy", false);
  const now = deps.now ?? (() => new Date());
  const offset = deps.stuck.utcOffsetMinutes;
  const log = deps.log;
  const g = guards(deps, offset);
  const { page, mutation, send, viewer, fail } = g;

  app.use((_req, res, next) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.setHeader("Cache-Control", "no-store");
    next();
  });
  const form = express.urlencoded({ extended: false, limit: "8kb", parameterLimit: 20 });

  app.get("/favicon.ico", (_req, res) => {
    res.status(204).end();
  });
  app.get("/static/console.css", (_req, res) => {
    res.setHeader("Cache-Control", "private, max-age=3600");
    res.type("text/css; charset=utf-8").send(deps.css);
  });

  registerLoginRoutes(app, { deps, g, form, log, offset });
  app.get("/", (_req, res) => res.redirect(303, "/letters"));
  registerLetterRoutes(app, { deps, g, offset });
  registerOperationsRoutes(app, { deps, g, form, offset, now });
  registerMaintenanceRoutes(app, {
    bus: deps.bus,
    log,
    form,
    page,
    send,
    viewer,
    utcOffsetMinutes: offset,
    operatorMutation: (h) => mutation({ operatorOnly: true }, h),
  });
  agencyRoutes(app, { deps, page, send, viewer, offset });
  registerSystemsRoutes(app, {
    bus: deps.bus,
    log,
    page,
    mutation,
    form,
    send,
    viewer,
    utcOffsetMinutes: offset,
  });
  registerReportRoutes(app, {
    page,
    send,
    viewer,
    bus: deps.bus,
    directory: deps.directory,
    log,
    now,
    utcOffsetMinutes: offset,
  });

  // The session only names the user on error pages: when the archive cannot say, none is shown.
  const sessionOf = (req: Request) =>
    g.currentSession(req).then(
      (cur) => cur?.s,
      () => undefined,
    );

  app.use((req, res, next) => {
    sessionOf(req)
      .then((s) => fail(res, 404, "Không tìm thấy trang", `Không có trang ${req.path}.`, s))
      .catch(next);
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // An archive that does not answer would not answer the session lookup either.
    const lookup =
      err instanceof ArchiveError && err.status >= 500
        ? Promise.resolve(undefined)
        : sessionOf(req);
    void lookup.then((s) => {
      if (err instanceof ArchiveError) {
        if (err.status === 404) {
          fail(
            res,
            404,
            "Không tìm thấy",
            "Không tìm thấy văn bản với mã này trong kho lưu trữ.",
            s,
          );
          return;
        }
        if (err.status >= 500) {
          log.error({ code: err.code, err: err.message }, "console: archive unavailable");
          res.setHeader("Retry-After", "5");
          fail(
            res,
            503,
            "Kho lưu trữ chưa sẵn sàng",
            "Không hỏi được kho lưu trữ (archive) qua hàng đợi. Hãy thử lại sau ít giây.",
            s,
          );
          return;
        }
        fail(res, err.status, "Yêu cầu không hợp lệ", `${err.message} (${err.code})`, s);
        return;
      }
      const e = err as { type?: string };
      if (e?.type === "entity.too.large" || e?.type === "parameters.too.many") {
        fail(res, 413, "Yêu cầu quá lớn", "Biểu mẫu gửi lên quá lớn.", s);
        return;
      }
      log.error({ err, path: req.path }, "console: request failed");
      fail(res, 500, "Lỗi hệ thống", "Đã xảy ra lỗi khi xử lý yêu cầu.", s);
    });
  });
  return app;
}
