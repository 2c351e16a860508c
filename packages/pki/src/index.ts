// @edoc/pki: a development PKI (root CA, issuing CA, agency and hub certificates, CRL,
// PKCS#12) and the rule that binds a certificate to an OrganId. Pure: values in, values out.
export { ORGAN_URN_PREFIX, organIdsOf, organUrn, UID_OID } from "./binding.js";
export { type CreateDevPkiOptions, createDevPki } from "./ca.js";
export { PkiError, type PkiErrorCode } from "./errors.js";
export {
  type AgencyCertificateOptions,
  type HubCertificateOptions,
  type IssuedKeyPair,
  issueAgencyCertificate,
  issueHubCertificate,
  issueTsaCertificate,
  type ValidityOptions,
} from "./issue.js";
export { KEY_ALGORITHMS, type KeyAlgorithm } from "./keys.js";
export {
  exportPkcs12,
  importPkcs12,
  type Pkcs12Contents,
  type Pkcs12ExportOptions,
} from "./pkcs12.js";
export {
  type CrlOptions,
  issueCrl,
  ocspIndex,
  type RevokeOptions,
  revokeCertificate,
} from "./revocation.js";
export {
  type CaMaterial,
  type CertificateKind,
  DEV_PKI_FORMAT,
  type DevPkiState,
  ISSUING_CRL_FILE,
  type IssuedCertificate,
  normalizeSerial,
  type Publication,
  parseDevPkiState,
  REVOCATION_REASONS,
  type RevocationReason,
  type RevokedCertificate,
  ROOT_CRL_FILE,
} from "./state.js";
