// @edoc/signature: enveloped XML-DSig for edXML packets (QCVN 102:2016) and hub receipts, and
// their verification with certificate path, revocation (configured CRLs; live CRLs and OCSP
// through a caller's RevocationSource) and the OrganId binding rule.
// Pure: strings and bytes in, values out; crypto on Node's own implementation.
export type { SigningAlgorithm } from "./algorithms.js";
export type { DetachedRun, DetachedTexts } from "./detached.js";
export { SignatureError, type SignatureErrorCode } from "./errors.js";
export { crlUrlsOf, type RevocationSource } from "./live.js";
export { type VerifiedPacket, verifyPacket } from "./packet.js";
export type {
  CertificateSummary,
  CrlUsed,
  OcspUsed,
  Reason,
  ReasonCode,
  SignerInfo,
  TrustPolicy,
  VerificationReport,
} from "./report.js";
export {
  type RemoteSign,
  type RemoteSignOptions,
  type SignOptions,
  signEdxml,
  signXml,
  signXmlRemote,
} from "./sign.js";
export { type CanonicalDocument, signCanonicalRemote } from "./template.js";
export { type SortedTrust, sortTrust } from "./trust.js";
export {
  type CertificateValidity,
  type CrlValidity,
  certificateValidity,
  crlValidity,
} from "./validity.js";
export {
  type CertificateVerification,
  verifyCertificate,
  verifyEdxml,
  verifyXml,
} from "./verify.js";
export {
  SIGNED_PROPERTIES_TYPE,
  XADES_NS,
  type XadesInfo,
  type XadesOptions,
} from "./xades.js";
