import type express from "express";
import type { RequestHandler } from "express";
import type { ConsoleDeps } from "./app.js";
import { ArchiveError, archiveHealth, callConsole } from "./archive-client.js";
import { setFlash, takeFlash } from "./cookies.js";
import { type Guards, one } from "./guards.js";
import { serviceHealth } from "./health.js";
import { stuckParams } from "./stuck.js";
import { type DeadFilter, deadLettersPage } from "./views/dead-letters.js";
import { stuckPage } from "./views/stuck.js";
import { systemPage } from "./views/system.js";

/** The operators' watch: stuck deliveries, dead letters (and their re-drive), the system page. */
export function registerOperationsRoutes(
  app: express.Express,
  k: { deps: ConsoleDeps; g: Guards; form: RequestHandler; offset: number; now: () => Date },
): void {
  const { deps, offset, now, form } = k;
  const { page, mutation, send, viewer } = k.g;
  const log = deps.log;
  app.get(
    "/stuck",
    page(async (_req, res, s) => {
      const out = await callConsole(deps.bus, "console.stuck", stuckParams(now(), deps.stuck));
      send(
        res,
        200,
        stuckPage({
          viewer: viewer(s),
          items: out.items,
          truncated: out.truncated,
          policy: deps.stuck,
          directory: deps.directory(),
          utcOffsetMinutes: offset,
        }),
      );
    }),
  );

  const deadFilter = (v: unknown): DeadFilter => {
    const s = one(v);
    return s === "redriven" || s === "all" ? s : "open";
  };

  app.get(
    "/dead-letters",
    page(async (req, res, s) => {
      const filter = deadFilter(req.query.state);
      const out = await callConsole(deps.bus, "console.deadLetters", { state: filter, limit: 200 });
      const flash = takeFlash(req, res);
      send(
        res,
        200,
        deadLettersPage({
          viewer: viewer(s),
          items: out.items,
          truncated: out.truncated,
          filter,
          utcOffsetMinutes: offset,
          ...(flash ? { flash } : {}),
        }),
      );
    }),
  );

  app.post(
    "/dead-letters/redrive",
    form,
    mutation({ operatorOnly: true }, async (req, res, s) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const id = one(body.id);
      const filter = deadFilter(body.filter);
      try {
        const out = await callConsole(
          deps.bus,
          "console.redrive",
          { deadLetterId: id, by: s.username },
          30_000,
        );
        log.info(
          { user: s.username, deadLetterId: id, outcome: out.outcome, receiptId: out.receiptId },
          "console: dead letter re-driven",
        );
        setFlash(res, {
          kind: "ok",
          text:
            out.outcome === "redriven"
              ? `Đã gửi lại tin ${out.deadLetter.messageId} vào hàng đợi ${out.deadLetter.originQueue} (biên nhận ${out.receiptId}).`
              : `Tin ${out.deadLetter.messageId} đã được gửi lại trước đó (biên nhận ${out.receiptId}).`,
        });
      } catch (err) {
        if (!(err instanceof ArchiveError) || err.status >= 500) throw err;
        log.warn(
          { user: s.username, deadLetterId: id, code: err.code },
          "console: re-drive refused",
        );
        setFlash(res, { kind: "error", text: `Không gửi lại được: ${err.message} (${err.code})` });
      }
      res.redirect(303, `/dead-letters?state=${filter}`);
    }),
  );

  app.get(
    "/system",
    page(async (_req, res, s) => {
      const [queues, services, archive] = await Promise.all([
        deps.bus.stats().catch(() => undefined),
        Promise.all(deps.services.map((x) => serviceHealth(x))),
        archiveHealth(deps.bus),
      ]);
      send(
        res,
        200,
        systemPage({
          viewer: viewer(s),
          queues,
          services: [...services, deps.selfHealth()],
          archive,
          now: now(),
          refreshSeconds: 5,
          utcOffsetMinutes: offset,
        }),
      );
    }),
  );
}
