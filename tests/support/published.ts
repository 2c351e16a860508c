import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { basename, join } from "node:path";

/**
 * A static HTTP server for a CA's published directory (`edoc pki` writes D/published): what a
 * CA's web server does for its CRL distribution points. Flat: one file name per path.
 */
export async function servePublished(
  dir: string,
  port = 0,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const name = basename(new URL(req.url ?? "/", "http://x").pathname);
    readFile(join(dir, name)).then(
      (bytes) => {
        res.writeHead(200, { "content-type": "application/pkix-crl" });
        res.end(bytes);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const addr = server.address();
  const bound = typeof addr === "object" && addr ? addr.port : port;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
