import type { Directory } from "@edoc/directory";
import { isOrganId, TIERS, type Tier } from "@edoc/directory";
import { verifyBundle } from "@edoc/evidence";
import { ConsoleSearchState } from "@edoc/messages";
import type { Logger } from "@edoc/runtime";
import express, { type NextFunction, type Request, type Response } from "express";
import { agencyRoutes } from "./agency-routes.js";
import {
  ArchiveError,
  archiveHealth,
  type ConsoleBus,
  callArchive,
  callConsole,
  type ParamsIn,
} from "./archive-client.js";
import type { ServiceEndpoint } from "./config.js";
import { type ServiceHealth, serviceHealth } from "./health.js";
import type { Html } from "./html.js";
import { STATUS_CODES } from "./labels.js";
import type { LoginLimiter } from "./login-limit.js";
import { registerMaintenanceRoutes } from "./maintenance-routes.js";
import { burnVerification, verifyPassword } from "./password.js";
import { registerReportRoutes } from "./report-routes.js";
import { type FlashSession, newToken, type Session, type Sessions, sameToken } from "./sessions.js";
import { type StuckPolicy, stuckParams } from "./stuck.js";
import { registerSystemsRoutes } from "./systems-routes.js";
import type { UserStore } from "./users.js";
import { type DeadFilter, deadLettersPage } from "./views/dead-letters.js";
import { errorPage } from "./views/errors.js";
import type { Viewer } from "./views/layout.js";
import { lettersPage, SEARCH_FIELDS, type SearchForm } from "./views/letters.js";
import { loginPage } from "./views/login.js";
import { stuckPage } from "./views/stuck.js";
import { systemPage } from "./views/system.js";
import { tracePage } from "./views/trace.js";

export interface ConsoleDeps {
  bus: ConsoleBus;
  log: Logger;
  users: UserStore;
  sessions: Sessions;
  limiter: LoginLimiter;
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

/** `__Host-` cookies: Secure, Path=/, no Domain: no other site or subdomain can set them. */
export const SESSION_COOKIE = "__Host-edoc_console";
export const LOGIN_COOKIE = "__Host-edoc_login";

export type Handler = (req: Request, res: Response, s: FlashSession) => Promise<void>;

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  // Not no-referrer: with it, browsers send `Origin: null` on form posts, and the origin check
  // below would refuse every form. same-origin gives no referrer to any other site.
  "Referrer-Policy": "same-origin",
  "Strict-Transport-Security": "max-age=31536000",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

function cookiesOf(req: Request): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.get("cookie") ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    const value = part.slice(i + 1).trim();
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

function cookie(name: string, value: string, maxAgeSeconds?: number): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict${maxAgeSeconds !== undefined ? `; Max-Age=${maxAgeSeconds}` : ""}`;
}

/** A local path to return to after login; anything else (other hosts, `//x`) is ignored. */
function safeNext(raw: unknown): string {
  if (typeof raw !== "string" || !/^\/(?![/\\])[^\s\\]*$/.test(raw) || raw.startsWith("/login"))
    return "/letters";
  return raw.slice(0, 2000);
}

function one(v: unknown): string {
  if (Array.isArray(v)) return one(v[0]);
  return typeof v === "string" ? v : "";
}

/**
 * Browsers send Origin with every POST; when one is present (or a Referer instead) it must be
 * this console. The synchronizer token is still checked after this.
 */
function sameOrigin(req: Request): boolean {
  let origin = req.get("origin");
  if (origin === undefined) {
    const referer = req.get("referer");
    if (referer === undefined) return true;
    try {
      origin = new URL(referer).origin;
    } catch {
      return false;
    }
  }
  return origin === `https://${req.get("host") ?? ""}`;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `yyyy-mm-dd` day in the hub's civil time → its first instant (UTC). */
function dayStart(text: string, offsetMinutes: number): Date | undefined {
  const m = DAY.exec(text);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - offsetMinutes * 60_000;
  const d = new Date(t);
  return Number.isNaN(t) ? undefined : d;
}

/** Ids of every agency that has (had) this tier in the directory, any period. */
function idsOfTier(directory: Directory, tier: Tier): string[] {
  return [
    ...new Set(
      directory
        .all()
        .filter((a) => a.tier === tier)
        .map((a) => a.id),
    ),
  ];
}

/** Turns the search form into `console.search` params, or errors to show next to the form. */
function searchParams(
  form: SearchForm,
  directory: Directory,
  offsetMinutes: number,
): { params?: ParamsIn<"console.search">; errors: string[]; empty?: boolean } {
  const errors: string[] = [];
  const p: ParamsIn<"console.search"> = { limit: 100 };
  let empty = false;
  if (form.documentId.trim() !== "") p.documentId = form.documentId.trim().slice(0, 1024);
  if (form.code.trim() !== "") p.code = form.code.trim().slice(0, 100);
  const side = (id: string, tier: string, label: string): string[] | undefined => {
    let ids: string[] | undefined;
    if (id.trim() !== "") {
      if (!isOrganId(id.trim())) {
        errors.push(`${label}: "${id}" không phải mã định danh dạng 000.00.00.H45`);
        return undefined;
      }
      ids = [id.trim()];
    }
    if (tier !== "") {
      if (!(TIERS as readonly string[]).includes(tier)) {
        errors.push(`${label}: cấp không hợp lệ`);
        return undefined;
      }
      const inTier = idsOfTier(directory, tier as Tier);
      ids = ids === undefined ? inTier : ids.filter((x) => inTier.includes(x));
      if (ids.length === 0) empty = true;
    }
    return ids;
  };
  const from = side(form.from, form.fromTier, "Cơ quan gửi");
  const to = side(form.to, form.toTier, "Cơ quan nhận");
  if (from) p.from = from.slice(0, 10_000);
  if (to) p.to = to.slice(0, 10_000);
  if (form.since !== "") {
    const d = dayStart(form.since, offsetMinutes);
    if (d) p.since = d.toISOString();
    else errors.push("Từ ngày: cần dạng yyyy-mm-dd");
  }
  if (form.until !== "") {
    const d = dayStart(form.until, offsetMinutes);
    if (d) p.until = new Date(d.getTime() + 24 * 3600_000).toISOString();
    else errors.push("Đến ngày: cần dạng yyyy-mm-dd");
  }
  if (form.state !== "") {
    const s = ConsoleSearchState.safeParse(form.state);
    if (s.success) p.state = s.data;
    else errors.push("Tình trạng chuyển phát không hợp lệ");
  }
  if (form.status !== "") {
    if (STATUS_CODES.includes(form.status)) p.status = form.status;
    else errors.push("Trạng thái xử lý không hợp lệ");
  }
  if (errors.length > 0) return { errors };
  return { params: p, errors, empty };
}

/** The operators' and auditors' web console (server-rendered HTML). Mounted on HTTPS by main.ts. */
export function createConsoleApp(deps: ConsoleDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("trust proxy", false);
  const now = deps.now ?? (() => new Date());
  const offset = deps.stuck.utcOffsetMinutes;
  const log = deps.log;

  app.use((_req, res, next) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.setHeader("Cache-Control", "no-store");
    next();
  });
  const form = express.urlencoded({ extended: false, limit: "8kb", parameterLimit: 20 });

  const send = (res: Response, status: number, body: Html) => {
    res.status(status).type("text/html; charset=utf-8").send(body.value);
  };
  const viewer = (s: Session): Viewer => ({ username: s.username, role: s.role, csrf: s.csrf });
  const fail = (res: Response, status: number, title: string, message: string, s?: Session) =>
    send(
      res,
      status,
      errorPage({
        status,
        title,
        message,
        utcOffsetMinutes: offset,
        ...(s ? { viewer: viewer(s) } : {}),
      }),
    );

  /** The session behind the request, with the users file's current word on the user. */
  const currentSession = (req: Request): { id: string; s: FlashSession } | undefined => {
    const id = cookiesOf(req).get(SESSION_COOKIE);
    const s = deps.sessions.get(id) as FlashSession | undefined;
    if (!id || !s) return undefined;
    const user = deps.users.get(s.username);
    if (!user) {
      deps.sessions.destroy(id);
      return undefined;
    }
    s.role = user.role;
    return { id, s };
  };

  const page =
    (h: Handler) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const cur = currentSession(req);
      if (!cur) {
        res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      h(req, res, cur.s).catch(next);
    };

  /** State-changing routes: a session, this origin, the session's CSRF token, then the role. */
  const mutation =
    (opts: { operatorOnly: boolean }, h: Handler) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const cur = currentSession(req);
      if (!cur) {
        fail(res, 401, "Chưa đăng nhập", "Phiên làm việc đã hết hạn. Hãy đăng nhập lại.");
        return;
      }
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!sameOrigin(req) || !sameToken(one(body._csrf), cur.s.csrf)) {
        log.warn({ user: cur.s.username, path: req.path }, "console: CSRF check failed");
        fail(
          res,
          403,
          "Yêu cầu bị từ chối",
          "Mã chống giả mạo (CSRF) không hợp lệ. Hãy tải lại trang và thử lại.",
          cur.s,
        );
        return;
      }
      if (opts.operatorOnly && cur.s.role !== "operator") {
        log.warn(
          { user: cur.s.username, role: cur.s.role, path: req.path },
          "console: refused to a non-operator",
        );
        fail(
          res,
          403,
          "Không có quyền",
          "Tài khoản kiểm toán chỉ được xem, không được thay đổi dữ liệu.",
          cur.s,
        );
        return;
      }
      h(req, res, cur.s).catch(next);
    };

  app.get("/favicon.ico", (_req, res) => {
    res.status(204).end();
  });

  app.get("/static/console.css", (_req, res) => {
    res.setHeader("Cache-Control", "private, max-age=3600");
    res.type("text/css; charset=utf-8").send(deps.css);
  });

  // --- login / logout -------------------------------------------------------------------
  const showLogin = (
    res: Response,
    status: number,
    o: { next: string; username?: string; error?: string },
  ) => {
    const token = newToken();
    res.append("Set-Cookie", cookie(LOGIN_COOKIE, token, 1800));
    send(res, status, loginPage({ token, utcOffsetMinutes: offset, ...o }));
  };

  app.get("/login", (req, res) => {
    if (currentSession(req)) {
      res.redirect(303, safeNext(req.query.next));
      return;
    }
    showLogin(res, 200, { next: safeNext(req.query.next) });
  });

  app.post("/login", form, (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next_ = safeNext(body.next);
    const username = one(body.username).trim().slice(0, 64);
    const password = one(body.password).slice(0, 1024);
    // Login CSRF: the form's token must be the one this browser got with the form.
    if (!sameOrigin(req) || !sameToken(one(body._csrf), cookiesOf(req).get(LOGIN_COOKIE))) {
      showLogin(res, 403, {
        next: next_,
        username,
        error: "Biểu mẫu đã hết hạn. Hãy đăng nhập lại.",
      });
      return;
    }
    const keys = [`ip:${req.socket.remoteAddress ?? "?"}`, `user:${username.toLowerCase()}`];
    const wait = deps.limiter.retryAfter(keys);
    if (wait > 0) {
      log.warn({ user: username, remote: req.socket.remoteAddress }, "console: login rate-limited");
      res.setHeader("Retry-After", String(wait));
      showLogin(res, 429, {
        next: next_,
        username,
        error: `Đăng nhập sai quá nhiều lần. Hãy thử lại sau ${Math.ceil(wait / 60)} phút.`,
      });
      return;
    }
    deps.limiter
      .serialize(async () => {
        const user = username === "" ? undefined : deps.users.get(username);
        const ok = user
          ? await verifyPassword(password, user.passwordHash)
          : await burnVerification(password);
        return ok ? user : undefined;
      })
      .then((user) => {
        if (!user) {
          deps.limiter.fail(keys);
          log.warn({ user: username, remote: req.socket.remoteAddress }, "console: login failed");
          showLogin(res, 401, {
            next: next_,
            username,
            error: "Tên đăng nhập hoặc mật khẩu không đúng.",
          });
          return;
        }
        deps.limiter.succeed(`user:${username.toLowerCase()}`);
        // A fresh id at login: a session id planted before login is worth nothing.
        deps.sessions.destroy(cookiesOf(req).get(SESSION_COOKIE));
        const { id } = deps.sessions.create(user.username, user.role);
        res.append("Set-Cookie", cookie(SESSION_COOKIE, id));
        res.append("Set-Cookie", cookie(LOGIN_COOKIE, "", 0));
        log.info(
          { user: user.username, role: user.role, remote: req.socket.remoteAddress },
          "console: login",
        );
        res.redirect(303, next_);
      })
      .catch(next);
  });

  app.post(
    "/logout",
    form,
    mutation({ operatorOnly: false }, async (req, res, s) => {
      deps.sessions.destroy(cookiesOf(req).get(SESSION_COOKIE));
      res.append("Set-Cookie", cookie(SESSION_COOKIE, "", 0));
      log.info({ user: s.username }, "console: logout");
      res.redirect(303, "/login");
    }),
  );

  // --- pages ----------------------------------------------------------------------------
  app.get("/", (_req, res) => res.redirect(303, "/letters"));

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
      const flash = s.flash;
      s.flash = undefined;
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
        s.flash = {
          kind: "ok",
          text:
            out.outcome === "redriven"
              ? `Đã gửi lại tin ${out.deadLetter.messageId} vào hàng đợi ${out.deadLetter.originQueue} (biên nhận ${out.receiptId}).`
              : `Tin ${out.deadLetter.messageId} đã được gửi lại trước đó (biên nhận ${out.receiptId}).`,
        };
      } catch (err) {
        if (!(err instanceof ArchiveError) || err.status >= 500) throw err;
        log.warn(
          { user: s.username, deadLetterId: id, code: err.code },
          "console: re-drive refused",
        );
        s.flash = { kind: "error", text: `Không gửi lại được: ${err.message} (${err.code})` };
      }
      res.redirect(303, `/dead-letters?state=${filter}`);
    }),
  );

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

  app.use((req, res) => {
    fail(res, 404, "Không tìm thấy trang", `Không có trang ${req.path}.`, currentSession(req)?.s);
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const s = currentSession(req)?.s;
    if (err instanceof ArchiveError) {
      if (err.status === 404) {
        fail(res, 404, "Không tìm thấy", "Không tìm thấy văn bản với mã này trong kho lưu trữ.", s);
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
  return app;
}
