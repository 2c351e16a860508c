import { request } from "node:http";
import type { ServiceEndpoint } from "./config.js";

export interface ServiceHealth {
  name: string;
  port: number;
  state: "ok" | "degraded" | "unreachable" | "unconfigured";
  checks: Record<string, boolean>;
}

/** Asks one service's loopback ops endpoint for /health (2 s at most). */
export function serviceHealth(s: ServiceEndpoint, timeoutMs = 2_000): Promise<ServiceHealth> {
  if (s.port <= 0) return Promise.resolve({ ...s, state: "unconfigured", checks: {} });
  return new Promise((resolve) => {
    const done = (state: ServiceHealth["state"], checks: Record<string, boolean> = {}) =>
      resolve({ ...s, state, checks });
    const req = request(
      { host: "127.0.0.1", port: s.port, path: "/health", method: "GET", timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size <= 64 * 1024) chunks.push(c);
        });
        res.on("end", () => {
          let checks: Record<string, boolean> = {};
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
              checks?: Record<string, unknown>;
            };
            for (const [k, v] of Object.entries(body.checks ?? {}))
              if (typeof v === "boolean") checks[k] = v;
          } catch {
            checks = {};
          }
          done(res.statusCode === 200 ? "ok" : "degraded", checks);
        });
        res.on("error", () => done("unreachable"));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => done("unreachable"));
    req.end();
  });
}
