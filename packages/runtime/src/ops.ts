import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

/**
 * The loopback endpoint every service exposes for operators: `/metrics` (Prometheus) and
 * `/health` (JSON; 503 when a check fails).
 */
export function serveOps(
  port: number,
  metrics: Registry,
  health: () => Promise<Record<string, boolean>>,
  host = "127.0.0.1",
): Server {
  const server = createServer((req, res) => {
    const answer = async () => {
      if (req.url === "/metrics") {
        res.setHeader("Content-Type", metrics.contentType);
        res.end(await metrics.metrics());
        return;
      }
      if (req.url === "/health") {
        const checks = await health();
        const ok = Object.values(checks).every(Boolean);
        res.statusCode = ok ? 200 : 503;
        res.setHeader("Content-Type", "application/json");
        res.end(JSON.stringify({ status: ok ? "ok" : "degraded", checks }));
        return;
      }
      res.statusCode = 404;
      res.end();
    };
    answer().catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  server.listen(port, host);
  return server;
}
