import type { TrustMaterial } from "@edoc/runtime";
import { certificateValidity, crlValidity } from "@edoc/signature";
import { Gauge, type Registry } from "prom-client";

/**
 * Seconds until the hub's certificate (acceptance receipts and the TLS server identity), the
 * trusted CAs and the CRLs expire, computed at each scrape from the material in force (the
 * trust store reloads, trust.ts). Negative once passed. A CRL past its nextUpdate makes every
 * certificate of its CA fail the revocation check, so it is as urgent as an expired CA.
 */
export function registerExpiryGauges(
  registry: Registry,
  hubCertPem: string,
  trust: () => TrustMaterial,
  fetched: () => readonly { url: string; pem: string }[] = () => [],
): void {
  // source: "file" for EDOC_CRL_FILES, else the distribution point the CRL was fetched from.
  const crls = () => [
    ...crlValidity(trust().crls).map((c) => ({ ...c, source: "file" })),
    ...fetched().flatMap(({ url, pem }) => crlValidity([pem]).map((c) => ({ ...c, source: url }))),
  ];
  const seconds = (d: Date) => (d.getTime() - Date.now()) / 1000;
  new Gauge({
    name: "edoc_certificate_expiry_seconds",
    help: "Seconds until a certificate's notAfter: the hub's own (role hub, also the TLS server certificate) and each trusted CA (role trust)",
    labelNames: ["role", "subject"],
    registers: [registry],
    collect() {
      this.reset();
      const t = trust();
      for (const c of certificateValidity([hubCertPem]))
        this.set({ role: "hub", subject: c.subject }, seconds(c.notAfter));
      for (const c of certificateValidity([...t.anchors, ...t.intermediates]))
        this.set({ role: "trust", subject: c.subject }, seconds(c.notAfter));
    },
  });
  new Gauge({
    name: "edoc_crl_next_update_seconds",
    help: "Seconds until each CRL's nextUpdate (negative: stale)",
    labelNames: ["issuer", "source"],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of crls())
        if (c.nextUpdate) this.set({ issuer: c.issuer, source: c.source }, seconds(c.nextUpdate));
    },
  });
  new Gauge({
    name: "edoc_crl_age_seconds",
    help: "Seconds since each CRL's thisUpdate",
    labelNames: ["issuer", "source"],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of crls())
        this.set({ issuer: c.issuer, source: c.source }, -seconds(c.thisUpdate));
    },
  });
}
