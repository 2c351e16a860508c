import type express from "express";
import type { NextFunction, Request, Response } from "express";
import { ArchiveError, type ConsoleBus, callArchive } from "./archive-client.js";
import { setFlash, takeFlash } from "./cookies.js";
import type { Handler } from "./guards.js";
import type { Html } from "./html.js";
import { applyRegistration } from "./registration-apply.js";
import type { Session } from "./sessions.js";
import type { Viewer } from "./views/layout.js";
import { registrationsPage, systemsPage } from "./views/systems.js";

type Route = (req: Request, res: Response, next: NextFunction) => void;

/** What the console's app lends these routes: its session, CSRF and rendering helpers. */
export interface RouteKit {
  bus: ConsoleBus;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  page: (h: Handler) => Route;
  mutation: (opts: { operatorOnly: boolean }, h: Handler) => Route;
  form: express.RequestHandler;
  send: (res: Response, status: number, body: Html) => void;
  viewer: (s: Session) => Viewer;
  utcOffsetMinutes: number;
}

const one = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * VDXP systems (read-only) and registration requests (operators approve or refuse; CSRF and
 * role checked by `mutation` like every other form).
 */
export function registerSystemsRoutes(app: express.Express, k: RouteKit): void {
  app.get(
    "/systems",
    k.page(async (_req, res, s) => {
      const { systems } = await callArchive(k.bus, "systems.list", {});
      k.send(
        res,
        200,
        systemsPage({ viewer: k.viewer(s), systems, utcOffsetMinutes: k.utcOffsetMinutes }),
      );
    }),
  );

  app.get(
    "/registrations",
    k.page(async (req, res, s) => {
      const pendingOnly = one(req.query.state) !== "all";
      const { registrations } = await callArchive(k.bus, "registrations.list", {
        ...(pendingOnly ? { state: "pending" as const } : {}),
        limit: 200,
      });
      const flash = takeFlash(req, res);
      k.send(
        res,
        200,
        registrationsPage({
          viewer: k.viewer(s),
          registrations,
          pendingOnly,
          utcOffsetMinutes: k.utcOffsetMinutes,
          ...(flash ? { flash } : {}),
        }),
      );
    }),
  );

  app.post(
    "/registrations/decide",
    k.form,
    k.mutation({ operatorOnly: true }, async (req, res, s) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const id = one(body.id);
      const decision = one(body.decision) === "approve" ? "approve" : "refuse";
      const reason = one(body.reason).trim();
      try {
        // Approval: the directory first, then the decision (a refused change leaves it pending).
        const applied =
          decision === "approve"
            ? await applyRegistration(
                k.bus,
                (await callArchive(k.bus, "registrations.get", { id })).registration,
                one(body.tier),
                `${s.username} (console)`,
                new Date(),
              )
            : undefined;
        const { registration: r } = await callArchive(k.bus, "registrations.decide", {
          id,
          decision,
          actor: s.username,
          ...(reason ? { reason } : {}),
          ...(applied ? { applied: applied.applied, appliedNote: applied.note } : {}),
        });
        k.log.info(
          { user: s.username, registration: id, decision, applied: r.applied },
          "console: registration decided",
        );
        setFlash(res, {
          kind: "ok",
          text:
            decision === "approve"
              ? `Đã duyệt yêu cầu ${r.id} (${r.code}).${r.appliedNote ? ` ${r.appliedNote}` : ""}`
              : `Đã từ chối yêu cầu ${r.id} (${r.code}).`,
        });
      } catch (err) {
        if (!(err instanceof ArchiveError) || err.status >= 500) throw err;
        k.log.warn(
          { user: s.username, registration: id, code: err.code },
          "console: decision refused",
        );
        setFlash(res, {
          kind: "error",
          text: `Không ghi được quyết định: ${err.message} (${err.code})`,
        });
      }
      res.redirect(303, "/registrations");
    }),
  );
}
