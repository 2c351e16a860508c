import type { MaintenanceState } from "@edoc/messages";
import type { Logger } from "@edoc/runtime";
import type express from "express";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ArchiveError, type ConsoleBus, callArchive } from "./archive-client.js";
import { setFlash, takeFlash } from "./cookies.js";
import type { Html } from "./html.js";
import type { Session } from "./sessions.js";
import type { Viewer } from "./views/layout.js";
import { maintenancePage } from "./views/maintenance.js";

type Handler = (req: Request, res: Response, s: Session) => Promise<void>;
type Wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => void;

/** What the app lends these routes: its session, CSRF and role checks and its renderer. */
export interface MaintenanceRouteDeps {
  bus: ConsoleBus;
  log: Logger;
  form: RequestHandler;
  page: Wrap;
  operatorMutation: Wrap;
  send: (res: Response, status: number, body: Html) => void;
  viewer: (s: Session) => Viewer;
  utcOffsetMinutes: number;
}

/** GET /maintenance (its state) and POST /maintenance (operators switch it; RPC maintenance.set). */
export function registerMaintenanceRoutes(app: express.Express, d: MaintenanceRouteDeps): void {
  app.get(
    "/maintenance",
    d.page(async (req, res, s) => {
      const state = await callArchive(d.bus, "maintenance.get", {});
      const flash = takeFlash(req, res);
      d.send(
        res,
        200,
        maintenancePage({
          viewer: d.viewer(s),
          state,
          utcOffsetMinutes: d.utcOffsetMinutes,
          ...(flash ? { flash } : {}),
        }),
      );
    }),
  );
  app.post(
    "/maintenance",
    d.form,
    d.operatorMutation(async (req, res, s) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const on = body.on === "true";
      const retry = Number(body.retryAfter ?? 300);
      const reason = typeof body.reason === "string" ? body.reason.trim() : "";
      if (on && (!Number.isInteger(retry) || retry < 1 || retry > 86_400)) {
        throw new ArchiveError("BAD_REQUEST", "Retry-After phải từ 1 đến 86400 giây", 400);
      }
      const state: MaintenanceState = await callArchive(d.bus, "maintenance.set", {
        on,
        retryAfterSeconds: on ? retry : 300,
        by: s.username,
        ...(reason ? { reason } : {}),
      });
      d.log.warn({ user: s.username, maintenance: state }, "console: maintenance mode switched");
      setFlash(res, {
        kind: "ok",
        text: state.on
          ? "Đã bật bảo trì: văn bản mới bị từ chối, hộp thư đến vẫn mở."
          : "Đã tắt bảo trì: hệ thống nhận văn bản trở lại.",
      });
      res.redirect(303, "/maintenance");
    }),
  );
}
