import type { TLSSocket } from "node:tls";
import type { OrganId } from "@edoc/directory";
import { organIdsOf } from "@edoc/pki";
import type { Request } from "express";
import { ApiError } from "./errors.js";

/** The authenticated agency system behind a request. */
export interface Caller {
  /** The OrganId its client certificate is bound to. */
  organId: OrganId;
  /** Every OrganId it may send, read and acknowledge for (itself first). */
  actingFor: OrganId[];
  certificateSerial: string;
}

/**
 * Who may act for whom (a district system hosting its communes' mailboxes): configured by the
 * hub admin, never guessed from codes. Keys and values are OrganIds.
 */
export type ActsFor = ReadonlyMap<OrganId, readonly OrganId[]>;

/**
 * Mutual TLS: the TLS layer verified the chain against the hub's trust store and CRL
 * (`requestCert`, `ca`, `crl`); here we turn the verified certificate into a Caller.
 * `rejectUnauthorized` is off at the TLS layer only so that refusals reach the client as
 * JSON with a code rather than as a bare handshake failure.
 */
export function authenticate(req: Request, actsFor: ActsFor): Caller {
  const socket = req.socket as TLSSocket;
  const { organId, certificateSerial } = identityOf(socket);
  const extra = actsFor.get(organId) ?? [];
  return {
    organId,
    actingFor: [organId, ...extra.filter((x) => x !== organId)],
    certificateSerial,
  };
}

/** The OrganId of the request's verified client certificate, for logs; undefined if none. */
export function peerOrganId(req: { socket: unknown }): OrganId | undefined {
  try {
    return identityOf(req.socket as TLSSocket).organId;
  } catch {
    return undefined;
  }
}

/**
 * A keep-alive connection's client certificate was verified once, at its handshake: what it
 * says is read once per connection, not per request (getPeerCertificate builds a large object).
 */
const identities = new WeakMap<TLSSocket, Pick<Caller, "organId" | "certificateSerial">>();

function identityOf(socket: TLSSocket): Pick<Caller, "organId" | "certificateSerial"> {
  const known = identities.get(socket);
  if (known) return known;
  if (typeof socket.getPeerCertificate !== "function") {
    throw ApiError.of("CLIENT_CERT_REQUIRED", "this API requires HTTPS with a client certificate");
  }
  const cert = socket.getPeerCertificate(false);
  if (!cert?.raw) {
    throw ApiError.of("CLIENT_CERT_REQUIRED", "no client certificate was presented");
  }
  if (!socket.authorized) {
    throw ApiError.of(
      "CLIENT_CERT_UNTRUSTED",
      `client certificate refused: ${String(socket.authorizationError ?? "unknown reason")}`,
    );
  }
  const pem = `-----BEGIN CERTIFICATE-----\n${cert.raw.toString("base64")}\n-----END CERTIFICATE-----\n`;
  const ids = organIdsOf(pem);
  const organId = ids[0];
  if (!organId) {
    throw ApiError.of("CLIENT_CERT_NOT_BOUND", "the client certificate names no OrganId");
  }
  const identity = { organId, certificateSerial: cert.serialNumber };
  identities.set(socket, identity);
  return identity;
}
