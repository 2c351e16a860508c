import { type Agency, isOrganId, isTier, type OrganId } from "@edoc/directory";
import { vietnamDay } from "@edoc/vntime";
import type { Express, NextFunction, Request, Response } from "express";
import type { ConsoleDeps } from "./app.js";
import { callArchive } from "./archive-client.js";
import type { Html } from "./html.js";
import type { Session } from "./sessions.js";
import { type AgencyFilter, agenciesPage, agencyPage } from "./views/agencies.js";
import type { Viewer } from "./views/layout.js";

/** What the app lends its page routes: the login guard, the renderer and the viewer. */
export interface PageKit {
  deps: ConsoleDeps;
  page: (
    h: (req: Request, res: Response, s: Session) => Promise<void>,
  ) => (req: Request, res: Response, next: NextFunction) => void;
  send: (res: Response, status: number, body: Html) => void;
  viewer: (s: Session) => Viewer;
  offset: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function text(v: unknown, max: number): string {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === "string" ? s.trim().slice(0, max) : "";
}

function matches(a: Agency, f: AgencyFilter): boolean {
  if (f.tier && a.tier !== f.tier) return false;
  if (!f.q) return true;
  const q = f.q.toLocaleLowerCase("vi");
  return a.id.includes(q) || a.name.toLocaleLowerCase("vi").includes(q);
}

/**
 * The agencies page (danh bạ cơ quan): the directory in force in this console (the live
 * snapshot every service routes by), searchable, and the history of its versions from the
 * archive. Read-only for both roles: changes go through `edoc directory`.
 */
export function agencyRoutes(app: Express, kit: PageKit): void {
  const { deps, page, send, viewer, offset } = kit;

  app.get(
    "/agencies",
    page(async (req, res, s) => {
      const at = text(req.query.at, 10);
      const tier = text(req.query.tier, 20);
      const filter: AgencyFilter = {
        q: text(req.query.q, 200),
        tier: isTier(tier) ? tier : "",
        at: DAY.test(at) ? at : vietnamDay(new Date()),
        all: text(req.query.all, 1) === "1",
      };
      const directory = deps.directory();
      const when = new Date(`${filter.at}T12:00:00+07:00`);
      const rows = (filter.all ? directory.all() : directory.list(when)).filter((a) =>
        matches(a, filter),
      );
      const { changes } = await callArchive(deps.bus, "directory.history", { limit: 30 });
      send(
        res,
        200,
        agenciesPage({
          viewer: viewer(s),
          filter,
          rows,
          directory,
          history: changes,
          utcOffsetMinutes: offset,
        }),
      );
    }),
  );

  app.get(
    "/agencies/:id",
    page(async (req, res, s) => {
      const id = text(req.params.id, 20);
      if (!isOrganId(id)) {
        res.redirect(303, "/agencies");
        return;
      }
      const directory = deps.directory();
      const periods = directory.history(id as OrganId);
      const { changes } = await callArchive(deps.bus, "directory.history", { id, limit: 100 });
      send(
        res,
        200,
        agencyPage({
          viewer: viewer(s),
          id,
          periods,
          resolution: periods.length > 0 ? directory.resolve(id as OrganId) : undefined,
          directory,
          history: changes,
          utcOffsetMinutes: offset,
        }),
      );
    }),
  );
}
