import { buildCertificate, subjectName } from "./certificates.js";
import { generateKeys, type KeyAlgorithm } from "./keys.js";
import { nameValue } from "./names.js";
import {
  DEV_PKI_FORMAT,
  type DevPkiState,
  type Publication,
  publicationUrl,
  ROOT_CRL_FILE,
  serialHex,
} from "./state.js";
import { toPem, x509 } from "./x509.js";

export interface CreateDevPkiOptions {
  /** O= of every certificate and prefix of the CA names. Default "EDOC Dev PKI". */
  readonly organization?: string;
  /** Key type of both CAs (and the default for issued certificates). Default rsa-2048. */
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Creation time (tests); default now. */
  readonly now?: Date;
  /** Revocation URLs written into the issuing CA and every certificate issued later. */
  readonly publication?: Publication;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;
/** Backdating absorbs clock skew between the machine that issues and the ones that verify. */
export const BACKDATE_MS = 5 * 60 * 1000;

/**
 * A two-level development PKI: a self-signed root (20 years) and an issuing CA under it
 * (10 years, pathLen 0) that signs agency and hub certificates and the CRL. Never for production.
 */
export async function createDevPki(opts: CreateDevPkiOptions = {}): Promise<DevPkiState> {
  const organization = nameValue(opts.organization ?? "EDOC Dev PKI", "organization");
  const keyAlgorithm = opts.keyAlgorithm ?? "rsa-2048";
  const notBefore = new Date((opts.now ?? new Date()).getTime() - BACKDATE_MS);
  const [rootKeys, issuingKeys] = await Promise.all([
    generateKeys(keyAlgorithm),
    generateKeys(keyAlgorithm),
  ]);
  const caUsage = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
  const publication = checkedPublication(opts.publication);

  const root = await buildCertificate({
    serialNumber: serialHex(1),
    subject: subjectName(organization, `${organization} Root CA`),
    publicKeyPem: rootKeys.publicKeyPem,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 20 * YEAR_MS),
    selfSigningKeyPem: rootKeys.privateKeyPem,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(caUsage, true),
    ],
  });
  const rootPem = toPem(root);

  const issuing = await buildCertificate({
    serialNumber: serialHex(2),
    subject: subjectName(organization, `${organization} Issuing CA`),
    publicKeyPem: issuingKeys.publicKeyPem,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 10 * YEAR_MS),
    issuer: { certificatePem: rootPem, privateKeyPem: rootKeys.privateKeyPem },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(caUsage, true),
      ...(publication.crlBaseUrl
        ? [new x509.CRLDistributionPointsExtension([`${publication.crlBaseUrl}/${ROOT_CRL_FILE}`])]
        : []),
    ],
  });

  return {
    format: DEV_PKI_FORMAT,
    organization,
    keyAlgorithm,
    root: { certificatePem: rootPem, privateKeyPem: rootKeys.privateKeyPem },
    issuing: { certificatePem: toPem(issuing), privateKeyPem: issuingKeys.privateKeyPem },
    // Serials 1 and 2 are the CAs'; the issuing CA numbers its certificates from 0x1000.
    nextSerial: 0x1000,
    issued: [],
    revoked: [],
    ...(publication.crlBaseUrl || publication.ocspUrl ? { publication } : {}),
  };
}

function checkedPublication(p: Publication | undefined): Publication {
  return {
    ...(p?.crlBaseUrl ? { crlBaseUrl: publicationUrl(p.crlBaseUrl, "crlBaseUrl") } : {}),
    ...(p?.ocspUrl ? { ocspUrl: publicationUrl(p.ocspUrl, "ocspUrl") } : {}),
  };
}
