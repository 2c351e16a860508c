import type { Bus } from "@edoc/bus";
import type { Directory } from "@edoc/directory";
import type { FederationConfig, Logger } from "@edoc/runtime";
import { VdxpClient } from "@edoc/vdxp-client";
import type { Registry } from "prom-client";
import type { SubmitDeps } from "../submit.js";
import { DirectorySync } from "./directory-sync.js";
import { UpstreamPuller } from "./puller.js";

/** The upstream's VDXP listener as this hub's system there (systemid + secret, mTLS optional). */
export function upstreamClient(f: FederationConfig): VdxpClient | undefined {
  const u = f.upstream;
  if (!u) return undefined;
  return new VdxpClient({
    endpoint: u.endpoint,
    systemId: u.systemId,
    secret: u.secret,
    timeoutMs: u.timeoutMs,
    ...(u.ca ? { ca: u.ca } : {}),
    ...(u.cert && u.key ? { cert: u.cert, key: u.key } : {}),
  });
}

/** Only with an upstream: the puller and the directory sync; returns their stop. */
export function startUpstreamLink(
  f: FederationConfig,
  submit: SubmitDeps & { bus: Bus; directory: () => Directory },
  log: Logger,
  metrics: Registry,
): (() => Promise<void>) | undefined {
  const upstream = upstreamClient(f);
  if (!upstream || !f.upstream) return undefined;
  const linkLog = log.child({ link: "upstream", upstream: f.upstream.endpoint });
  const puller = new UpstreamPuller({
    upstream,
    submit,
    hubId: f.hubId,
    hopLimit: f.hopLimit,
    pollMs: f.upstream.pollMs,
    log: linkLog,
    metrics,
  });
  const sync = new DirectorySync({
    upstream,
    bus: submit.bus,
    directory: submit.directory,
    syncMs: f.upstream.syncMs,
    log: linkLog,
    metrics,
  });
  puller.start();
  sync.start();
  linkLog.info(
    { hubId: f.hubId, systemId: f.upstream.systemId, pollMs: f.upstream.pollMs },
    "upstream link: pulling",
  );
  return async () => {
    sync.stop();
    await puller.stop();
  };
}
