import { verifyBundle } from "@edoc/evidence";
import type express from "express";
import type { ConsoleDeps } from "./app.js";
import { callArchive, callConsole } from "./archive-client.js";
import { type Guards, one } from "./guards.js";
import { searchParams } from "./search-params.js";
import { lettersPage, SEARCH_FIELDS, type SearchForm } from "./views/letters.js";
import { tracePage } from "./views/trace.js";

/** Letters: the search, one letter's trace, its evidence bundle and the bundle's verification. */
export function registerLetterRoutes(
  app: express.Express,
  k: { deps: ConsoleDeps; g: Guards; offset: number },
): void {
  const { deps, offset } = k;
  const { page, send, viewer } = k.g;
  const log = deps.log;
  app.get(
    "/letters",
    page(async (req, res, s) => {
      const f = Object.fromEntries(
        SEARCH_FIELDS.map((k) => [k, one(req.query[k]).slice(0, 1024)]),
      ) as unknown as SearchForm;
      const directory = deps.directory();
      const { params, errors, empty } = searchParams(f, directory, offset);
      const result =
        params === undefined
          ? undefined
          : empty
            ? { letters: [], truncated: false }
            : await callConsole(deps.bus, "console.search", params);
      send(
        res,
        200,
        lettersPage({
          viewer: viewer(s),
          form: f,
          errors,
          directory,
          utcOffsetMinutes: offset,
          ...(result ? { result } : {}),
        }),
      );
    }),
  );

  app.get(
    "/letters/:id",
    page(async (req, res, s) => {
      const id = one(req.params.id).slice(0, 1024);
      const { letter, trace } = await callConsole(deps.bus, "console.trace", { id });
      send(
        res,
        200,
        tracePage({
          viewer: viewer(s),
          letter,
          trace,
          directory: deps.directory(),
          utcOffsetMinutes: offset,
        }),
      );
    }),
  );

  // --- auditors: a stored letter's evidence bundle, and its verification ----------------
  // Read-only, for both roles. The bundle is the one `edoc evidence export` writes; the
  // verification is `edoc evidence verify` run here against the hub's trust store, so an
  // auditor can also take the ZIP away and check it offline with roots of their own choosing.
  app.get(
    "/letters/:id/evidence.zip",
    page(async (req, res, s) => {
      const id = one(req.params.id).slice(0, 1024);
      const out = await callArchive(deps.bus, "evidence.export", { hubDocumentId: id }, 60_000);
      log.info({ user: s.username, docId: out.hubDocumentId }, "console: evidence exported");
      res.setHeader("Content-Type", "application/zip");
      res.setHeader(
        "Content-Disposition",
        `attachment; filename="evidence-${out.hubDocumentId}.zip"`,
      );
      res.setHeader("X-Evidence-Sha256", out.sha256);
      res.end(Buffer.from(out.bundle, "base64"));
    }),
  );

  app.get(
    "/letters/:id/verification",
    page(async (req, res, s) => {
      const trust = deps.trust?.();
      if (!trust) {
        res.status(503).json({
          code: "TRUST_NOT_CONFIGURED",
          message: "EDOC_TRUST_FILE is not set for the console",
        });
        return;
      }
      const id = one(req.params.id).slice(0, 1024);
      const out = await callArchive(deps.bus, "evidence.export", { hubDocumentId: id }, 60_000);
      const report = await verifyBundle(Buffer.from(out.bundle, "base64"), trust);
      log.info(
        { user: s.username, docId: out.hubDocumentId, valid: report.valid },
        "console: letter verified",
      );
      res.json({
        hubDocumentId: out.hubDocumentId,
        bundleSha256: out.sha256,
        warnings: out.warnings,
        ...report,
      });
    }),
  );
}
