import type { NextFunction, Request, Response } from "express";
import type { ConsoleDeps } from "./app.js";
import { cookiesOf, SESSION_COOKIE } from "./cookies.js";
import type { Html } from "./html.js";
import { type Session, sameToken } from "./sessions.js";
import { errorPage } from "./views/errors.js";
import type { Viewer } from "./views/layout.js";

export type Handler = (req: Request, res: Response, s: Session) => Promise<void>;
export type Route = (req: Request, res: Response, next: NextFunction) => void;

export const SECURITY_HEADERS: Record<string, string> = {
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

export function one(v: unknown): string {
  if (Array.isArray(v)) return one(v[0]);
  return typeof v === "string" ? v : "";
}

/**
 * Browsers send Origin with every POST; when one is present (or a Referer instead) it must be
 * this console. The synchronizer token is still checked after this.
 */
export function sameOrigin(req: Request): boolean {
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

/** What every route module gets from the app: the guards, the renderer, the viewer. */
export interface Guards {
  send: (res: Response, status: number, body: Html) => void;
  viewer: (s: Session) => Viewer;
  fail: (res: Response, status: number, title: string, message: string, s?: Session) => void;
  /** The session behind the request, with the users file's current word on the user. */
  currentSession: (req: Request) => Promise<{ id: string; s: Session } | undefined>;
  /** Pages: a session, or the login page. */
  page: (h: Handler) => Route;
  /** State-changing routes: a session, this origin, the session's CSRF token, then the role. */
  mutation: (opts: { operatorOnly: boolean }, h: Handler) => Route;
}

export function guards(deps: ConsoleDeps, offset: number): Guards {
  const log = deps.log;
  const send: Guards["send"] = (res, status, body) => {
    res.status(status).type("text/html; charset=utf-8").send(body.value);
  };
  const viewer: Guards["viewer"] = (s) => ({ username: s.username, role: s.role, csrf: s.csrf });
  const fail: Guards["fail"] = (res, status, title, message, s) =>
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

  const currentSession: Guards["currentSession"] = async (req) => {
    const id = cookiesOf(req).get(SESSION_COOKIE);
    if (!id) return undefined;
    const s = await deps.sessions.get(id);
    if (!s) return undefined;
    const user = deps.users.get(s.username);
    if (!user) {
      await deps.sessions.destroy(id);
      return undefined;
    }
    return { id, s: { ...s, role: user.role } };
  };

  const page: Guards["page"] = (h) => (req, res, next) => {
    currentSession(req)
      .then((cur) => {
        if (!cur) {
          res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        return h(req, res, cur.s);
      })
      .catch(next);
  };

  const mutation: Guards["mutation"] = (opts, h) => (req, res, next) => {
    currentSession(req)
      .then((cur) => {
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
        return h(req, res, cur.s);
      })
      .catch(next);
  };

  return { send, viewer, fail, currentSession, page, mutation };
}
