import { type OrganId, parseOrganId } from "@edoc/directory";
import { BACKDATE_MS } from "./ca.js";
import { buildCertificate, organSan, subjectName } from "./certificates.js";
import { generateKeys, type KeyAlgorithm } from "./keys.js";
import { hostName, nameValue } from "./names.js";
import {
  type CertificateKind,
  type DevPkiState,
  ISSUING_CRL_FILE,
  type IssuedCertificate,
  normalizeSerial,
  serialHex,
} from "./state.js";
import { toPem, x509 } from "./x509.js";

export interface ValidityOptions {
  /** Default: now minus 5 minutes. */
  readonly notBefore?: Date;
  /** Default: notBefore plus 365 days. Tests set past or future windows freely. */
  readonly notAfter?: Date;
  /** Default: the PKI's key algorithm. */
  readonly keyAlgorithm?: KeyAlgorithm;
}

export interface AgencyCertificateOptions extends ValidityOptions {
  readonly organId: OrganId | string;
  /** CN, e.g. the agency's name ("Sở Tài chính tỉnh Tây Ninh"), or a person's. */
  readonly name: string;
  /**
   * A person's title (chức danh, subject attribute T): the certificate is then a competent
   * person's of the agency, not the agency's seal. Still bound to the OrganId.
   */
  readonly title?: string;
}

export interface HubCertificateOptions extends ValidityOptions {
  /** CN, e.g. "edoc-hub.tayninh.gov.vn". */
  readonly name: string;
  /** Extra SubjectAltNames besides localhost and 127.0.0.1: DNS names or IP addresses. */
  readonly hosts?: readonly string[];
  /** The OrganId the hub signs receipts for, bound like an agency's. */
  readonly organId?: OrganId | string;
}

export interface IssuedKeyPair {
  readonly state: DevPkiState;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** Lower-case hex, as stored in the state and accepted by revokeCertificate. */
  readonly serialNumber: string;
}

const DAY_MS = 24 * 3600 * 1000;

interface Leaf {
  readonly kind: CertificateKind;
  readonly commonName: string;
  readonly organId?: OrganId;
  readonly title?: string;
  readonly extensions: x509.Extension[];
}

async function issueLeaf(
  state: DevPkiState,
  leaf: Leaf,
  opts: ValidityOptions,
): Promise<IssuedKeyPair> {
  const notBefore = opts.notBefore ?? new Date(Date.now() - BACKDATE_MS);
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + 365 * DAY_MS);
  const keys = await generateKeys(opts.keyAlgorithm ?? state.keyAlgorithm);
  const serial = serialHex(state.nextSerial);
  const cert = await buildCertificate({
    serialNumber: serial,
    subject: subjectName(state.organization, leaf.commonName, leaf.organId, leaf.title),
    publicKeyPem: keys.publicKeyPem,
    notBefore,
    notAfter,
    issuer: state.issuing,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...leaf.extensions,
      ...revocationPointers(state),
    ],
  });
  const certificatePem = toPem(cert);
  const serialNumber = normalizeSerial(serial);
  const entry: IssuedCertificate = {
    serialNumber,
    kind: leaf.kind,
    subject: cert.subject,
    ...(leaf.organId !== undefined ? { organId: leaf.organId } : {}),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    issuedAt: new Date().toISOString(),
    certificatePem,
  };
  return {
    state: { ...state, nextSerial: state.nextSerial + 1, issued: [...state.issued, entry] },
    certificatePem,
    privateKeyPem: keys.privateKeyPem,
    serialNumber,
  };
}

/** Where a relying party checks the leaf: the issuing CA's CRL and its OCSP responder. */
function revocationPointers(state: DevPkiState): x509.Extension[] {
  const { crlBaseUrl, ocspUrl } = state.publication ?? {};
  return [
    ...(crlBaseUrl
      ? [new x509.CRLDistributionPointsExtension([`${crlBaseUrl}/${ISSUING_CRL_FILE}`])]
      : []),
    ...(ocspUrl ? [new x509.AuthorityInfoAccessExtension({ ocsp: ocspUrl })] : []),
  ];
}

/**
 * An agency's signing (and mTLS client) certificate, bound to its OrganId by a SAN URI
 * urn:vn:gov:organ:<OrganId> and the subject UID. keyUsage digitalSignature + nonRepudiation
 * (critical), EKU clientAuth.
 */
export async function issueAgencyCertificate(
  state: DevPkiState,
  opts: AgencyCertificateOptions,
): Promise<IssuedKeyPair> {
  const organId = parseOrganId(opts.organId, "organId");
  return issueLeaf(
    state,
    {
      kind: "agency",
      commonName: nameValue(opts.name, "name"),
      organId,
      ...(opts.title !== undefined ? { title: nameValue(opts.title, "title") } : {}),
      extensions: [
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([organSan(organId)]),
      ],
    },
    opts,
  );
}

/**
 * The hub's certificate: signs its receipts and serves TLS for the gateway. SANs localhost,
 * 127.0.0.1 and the given hosts; EKU serverAuth + clientAuth; keyUsage digitalSignature +
 * keyEncipherment.
 */
export async function issueHubCertificate(
  state: DevPkiState,
  opts: HubCertificateOptions,
): Promise<IssuedKeyPair> {
  const organId = opts.organId === undefined ? undefined : parseOrganId(opts.organId, "organId");
  const names: x509.JsonGeneralName[] = [
    { type: "dns", value: "localhost" },
    { type: "ip", value: "127.0.0.1" },
  ];
  for (const raw of opts.hosts ?? []) {
    const host = hostName(raw);
    if (!names.some((n) => n.type === host.type && n.value === host.value)) names.push(host);
  }
  if (organId !== undefined) names.push(organSan(organId));
  return issueLeaf(
    state,
    {
      kind: "hub",
      commonName: nameValue(opts.name, "name"),
      ...(organId !== undefined ? { organId } : {}),
      extensions: [
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        new x509.SubjectAlternativeNameExtension(names),
      ],
    },
    opts,
  );
}

/**
 * A time-stamping authority's certificate (RFC 3161 §2.3): EKU timeStamping only, critical;
 * keyUsage digitalSignature + nonRepudiation. For a local TSA (tests, `openssl ts -reply`).
 */
export async function issueTsaCertificate(
  state: DevPkiState,
  opts: ValidityOptions & { readonly name: string },
): Promise<IssuedKeyPair> {
  return issueLeaf(
    state,
    {
      kind: "tsa",
      commonName: nameValue(opts.name, "name"),
      extensions: [
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
      ],
    },
    opts,
  );
}
