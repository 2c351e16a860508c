import { request } from "node:https";
import type { ConsoleUser, TestHub } from "./hub.js";

export interface ConsolePage {
  status: number;
  location: string | undefined;
  body: string;
}

/** The CSRF token of a console form (hidden `_csrf` field). */
export const csrf = (body: string) => /name="_csrf" value="([^"]*)"/.exec(body)?.[1] ?? "";

/** A console user's browser, reduced to a cookie jar over HTTPS (the hub's certificate). */
export class ConsoleClient {
  private readonly jar = new Map<string, string>();
  /** The console instance asked; change it to go to another one with the same cookies. */
  port: number;

  constructor(private readonly hub: TestHub) {
    this.port = hub.consolePort;
  }

  request(method: string, path: string, form?: Record<string, string>): Promise<ConsolePage> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: this.port,
          servername: "localhost",
          ca: this.hub.chainPem,
          method,
          path,
          headers: {
            ...(this.jar.size > 0
              ? { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ") }
              : {}),
            ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
          },
        },
        (res) => {
          for (const c of res.headers["set-cookie"] ?? []) {
            const pair = c.split(";")[0] ?? "";
            const i = pair.indexOf("=");
            if (i <= 0) continue;
            if (pair.slice(i + 1) === "") this.jar.delete(pair.slice(0, i));
            else this.jar.set(pair.slice(0, i), pair.slice(i + 1));
          }
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              location: res.headers.location,
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
        },
      );
      req.on("error", reject);
      if (body) req.write(body);
      req.end();
    });
  }

  /** Logs in through the login form (its CSRF token and login cookie); throws unless 303. */
  async logIn(user: ConsoleUser, next = "/letters"): Promise<void> {
    const form = await this.request("GET", "/login");
    const r = await this.request("POST", "/login", {
      _csrf: csrf(form.body),
      next,
      username: user.username,
      password: user.password,
    });
    if (r.status !== 303) throw new Error(`console login as ${user.username}: ${r.status}`);
  }
}
