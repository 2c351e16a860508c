import type { Logger } from "@edoc/runtime";
import type express from "express";
import type { RequestHandler, Response } from "express";
import type { ConsoleDeps } from "./app.js";
import { cookie, cookiesOf, LOGIN_COOKIE, SESSION_COOKIE } from "./cookies.js";
import { type Guards, one, sameOrigin } from "./guards.js";
import { burnVerification, verifyPassword } from "./password.js";
import { newToken, sameToken } from "./sessions.js";
import { loginPage } from "./views/login.js";

/** A local path to return to after login; anything else (other hosts, `//x`) is ignored. */
export function safeNext(raw: unknown): string {
  if (typeof raw !== "string" || !/^\/(?![/\\])[^\s\\]*$/.test(raw) || raw.startsWith("/login"))
    return "/letters";
  return raw.slice(0, 2000);
}

/** GET/POST /login (login CSRF token, rate limit, argon2 one at a time) and POST /logout. */
export function registerLoginRoutes(
  app: express.Express,
  k: { deps: ConsoleDeps; g: Guards; form: RequestHandler; log: Logger; offset: number },
): void {
  const { deps, g, log } = k;
  const showLogin = (
    res: Response,
    status: number,
    o: { next: string; username?: string; error?: string },
  ) => {
    const token = newToken();
    res.append("Set-Cookie", cookie(LOGIN_COOKIE, token, 1800));
    g.send(res, status, loginPage({ token, utcOffsetMinutes: k.offset, ...o }));
  };

  app.get("/login", (req, res, next) => {
    g.currentSession(req)
      .then((cur) => {
        if (cur) res.redirect(303, safeNext(req.query.next));
        else showLogin(res, 200, { next: safeNext(req.query.next) });
      })
      .catch(next);
  });

  app.post("/login", k.form, (req, res, next) => {
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
    const attempt = async () => {
      const wait = await deps.limiter.retryAfter(keys);
      if (wait > 0) {
        log.warn(
          { user: username, remote: req.socket.remoteAddress },
          "console: login rate-limited",
        );
        res.setHeader("Retry-After", String(wait));
        showLogin(res, 429, {
          next: next_,
          username,
          error: `Đăng nhập sai quá nhiều lần. Hãy thử lại sau ${Math.ceil(wait / 60)} phút.`,
        });
        return;
      }
      const user = await deps.limiter.serialize(async () => {
        const u = username === "" ? undefined : deps.users.get(username);
        const ok = u
          ? await verifyPassword(password, u.passwordHash)
          : await burnVerification(password);
        return ok ? u : undefined;
      });
      if (!user) {
        await deps.limiter.fail(keys);
        log.warn({ user: username, remote: req.socket.remoteAddress }, "console: login failed");
        showLogin(res, 401, {
          next: next_,
          username,
          error: "Tên đăng nhập hoặc mật khẩu không đúng.",
        });
        return;
      }
      await deps.limiter.succeed(`user:${username.toLowerCase()}`);
      // A fresh id at login: a session id planted before login is worth nothing.
      await deps.sessions.destroy(cookiesOf(req).get(SESSION_COOKIE));
      const { id } = await deps.sessions.create(user.username, user.role);
      res.append("Set-Cookie", cookie(SESSION_COOKIE, id));
      res.append("Set-Cookie", cookie(LOGIN_COOKIE, "", 0));
      log.info(
        { user: user.username, role: user.role, remote: req.socket.remoteAddress },
        "console: login",
      );
      res.redirect(303, next_);
    };
    attempt().catch(next);
  });

  app.post(
    "/logout",
    k.form,
    g.mutation({ operatorOnly: false }, async (req, res, s) => {
      await deps.sessions.destroy(cookiesOf(req).get(SESSION_COOKIE));
      res.append("Set-Cookie", cookie(SESSION_COOKIE, "", 0));
      log.info({ user: s.username }, "console: logout");
      res.redirect(303, "/login");
    }),
  );
}
