import { crlFromDer, crlsOfPem, signedBy } from "./cache.js";
import { nameString, pemBodies } from "./certs.js";
import { type Reason, reason } from "./report.js";
import { x509 } from "./x509.js";

type Cert = x509.X509Certificate;

export function keyUsage(cert: Cert): number | undefined {
  return cert.getExtension(x509.KeyUsagesExtension)?.usages;
}

/** The CRL extensions this checker understands; a CRL with any other critical one is refused. */
const KNOWN_CRL_EXTENSIONS = new Set(["2.5.29.35", "2.5.29.20"]); // AKI, cRLNumber

/** Why a CRL cannot be used to judge certificates of `issuer` at `at` (none: usable). */
export async function crlReasons(crl: x509.X509Crl, issuer: Cert, at: Date): Promise<Reason[]> {
  const who = nameString(crl.issuerName);
  if (!(await signedBy(crl, issuer))) {
    return [reason("CRL_INVALID", `the CRL naming ${who} is not signed by that issuer's key`)];
  }
  const ku = keyUsage(issuer);
  if (ku !== undefined && (ku & x509.KeyUsageFlags.cRLSign) === 0) {
    return [reason("CRL_INVALID", `${who} may not sign CRLs (keyUsage)`)];
  }
  const unknown = crl.extensions.find((e) => e.critical && !KNOWN_CRL_EXTENSIONS.has(e.type));
  if (unknown) {
    return [
      reason(
        "CRL_INVALID",
        `the CRL of ${who} has an unsupported critical extension ${unknown.type}`,
      ),
    ];
  }
  if (crl.nextUpdate && crl.nextUpdate.getTime() < at.getTime()) {
    return [
      reason(
        "CRL_INVALID",
        `the CRL of ${who} is stale: nextUpdate ${crl.nextUpdate.toISOString()} is before the validation time`,
      ),
    ];
  }
  return [];
}

/** CERT_REVOKED when the usable `crl` lists `cert` as revoked at or before `at`. */
export function revokedReason(crl: x509.X509Crl, cert: Cert, at: Date): Reason | undefined {
  const entry = crl.findRevoked(cert.serialNumber);
  // Revoked after the validation time means it was still good then.
  if (
    !entry ||
    entry.reason === x509.X509CrlReason.removeFromCRL ||
    entry.revocationDate.getTime() > at.getTime()
  ) {
    return undefined;
  }
  const why = entry.reason === undefined ? "" : ` (${x509.X509CrlReason[entry.reason]})`;
  return reason(
    "CERT_REVOKED",
    `certificate ${nameString(cert.subjectName)} was revoked ${entry.revocationDate.toISOString()}${why}`,
  );
}

/** What a report says about a CRL that was used. */
export function crlUsed(crl: x509.X509Crl, url?: string) {
  return {
    issuer: nameString(crl.issuerName),
    thisUpdate: crl.thisUpdate.toISOString(),
    ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate.toISOString() } : {}),
    ...(url !== undefined ? { url } : {}),
  };
}

/** The CRLs of PEM (or base64 DER) texts, parsed once per text; unreadable ones as CRL_INVALID. */
export function parseCrls(values: readonly string[]): {
  crls: x509.X509Crl[];
  reasons: Reason[];
} {
  const crls: x509.X509Crl[] = [];
  const reasons: Reason[] = [];
  values.forEach((value, i) => {
    // "CRL" is what @peculiar/x509 itself writes.
    const bodiesOf = () => pemBodies(value, "X509 CRL", "CRL");
    try {
      crls.push(
        ...crlsOfPem(value, () => {
          const bodies = bodiesOf();
          if (bodies.length === 0) throw new Error("no CRL");
          return bodies.map(crlFromDer);
        }),
      );
      return;
    } catch {
      // Not usable as a whole (never cached): what can be read of it, and why the rest cannot.
    }
    const bodies = bodiesOf();
    if (bodies.length === 0) reasons.push(reason("CRL_INVALID", `crls[${i}] holds no X509 CRL`));
    for (const der of bodies) {
      try {
        crls.push(crlFromDer(der));
      } catch {
        reasons.push(reason("CRL_INVALID", `crls[${i}] is not a readable CRL`));
      }
    }
  });
  return { crls, reasons };
}
