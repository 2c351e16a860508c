import type { TLSSocket } from "node:tls";
import { type TrustPolicy, verifyCertificate } from "@edoc/signature";
import type { Request } from "express";
import { ApiError } from "./errors.js";

/**
 * Live revocation of the mTLS client certificate. OpenSSL checks the configured CRL files
 * during the handshake, but it cannot ask an OCSP responder nor soft-fail per CA, and once it
 * holds one CRL it demands one from every CA (CRL_CHECK_ALL) before the first distribution
 * point could be learnt. So the fetched CRLs and OCSP are applied here, once per connection,
 * with the same checker and policy as signatures. When fetched data changes, connections are
 * closed (main.ts) and the next one is judged afresh.
 */
export function clientRevocationCheck(policy: () => TrustPolicy): (req: Request) => Promise<void> {
  const verdicts = new WeakMap<TLSSocket, Promise<void>>();
  return (req) => {
    const socket = req.socket as TLSSocket;
    let verdict = verdicts.get(socket);
    if (!verdict) {
      verdict = judge(socket, policy());
      verdicts.set(socket, verdict);
    }
    return verdict;
  };
}

async function judge(socket: TLSSocket, policy: TrustPolicy): Promise<void> {
  if (!policy.revocationSource) return;
  const raw = socket.getPeerCertificate(false)?.raw;
  if (!raw) return; // authenticate() has refused it already
  const pem = `-----BEGIN CERTIFICATE-----\n${raw.toString("base64")}\n-----END CERTIFICATE-----\n`;
  const result = await verifyCertificate(pem, { ...policy, crls: [], at: new Date() });
  const refusals = result.reasons.filter(
    (r) => r.code === "CERT_REVOKED" || r.code === "REVOCATION_UNAVAILABLE",
  );
  if (refusals.length > 0) {
    throw ApiError.of(
      "CLIENT_CERT_UNTRUSTED",
      `client certificate refused: ${refusals.map((r) => `${r.code}: ${r.message}`).join("; ")}`,
      { reasons: refusals },
    );
  }
}
