import type { OrganId } from "@edoc/directory";
import type { Limits } from "@edoc/edxml";
import type { RevocationSource } from "./live.js";
import type { XadesInfo } from "./xades.js";

/** Stable reason codes of a negative verdict; messages may change, codes do not. */
export type ReasonCode =
  | "SIGNATURE_MISSING"
  | "SIGNATURE_MULTIPLE"
  | "SIGNATURE_MALFORMED"
  | "SIGNATURE_ALGORITHM_FORBIDDEN"
  | "SIGNATURE_REFERENCE_INVALID"
  | "SIGNATURE_VALUE_INVALID"
  | "DETACHED_TEXT_NOT_COVERED"
  | "CERT_MISSING"
  | "CERT_UNTRUSTED"
  | "CERT_EXPIRED"
  | "CERT_NOT_YET_VALID"
  | "CERT_REVOKED"
  | "CRL_INVALID"
  | "REVOCATION_UNAVAILABLE"
  | "CERT_USAGE"
  | "SIGNER_NOT_BOUND"
  | "SIGNATURE_XADES_CERT_MISMATCH";

export interface Reason {
  readonly code: ReasonCode;
  readonly message: string;
}

/** What the verifier trusts. All certificates and CRLs are PEM (a file may hold several). */
export interface TrustPolicy {
  /** Root (or other directly trusted) certificates: a path must end at one of these. */
  readonly trustAnchors: readonly string[];
  /** Untrusted CA certificates that may complete a path (besides those in KeyInfo). */
  readonly intermediates?: readonly string[];
  /** CRLs, PEM or base64 DER. Without a CRL for an issuer, revocation is "unchecked". */
  readonly crls?: readonly string[];
  /**
   * Live revocation for certificates that name CRL distribution points or an OCSP responder.
   * Without it only `crls` are consulted.
   */
  readonly revocationSource?: RevocationSource;
  /**
   * SHA-256 fingerprints (lower-case hex) of the CAs whose certificates are accepted when no
   * current revocation status can be had (soft-fail: a REVOCATION_UNAVAILABLE warning in the
   * report). Every other CA fails closed: REVOCATION_UNAVAILABLE is a reason.
   */
  readonly revocationSoftFail?: readonly string[];
  /** Accept the VPCP SDK's rsa-sha1 / sha1 (reported as legacySha1). Default false. */
  readonly allowSha1?: boolean;
  /**
   * Validation time for certificate validity and revocation. Default: the signed XAdES
   * SigningTime when the signature carries one (the signer's claim, not a trusted time), else
   * now. Pass the time the hub received the packet to judge it as of its receipt.
   */
  readonly at?: Date;
  /** When set, the signer must be bound to this OrganId (SIGNER_NOT_BOUND otherwise). */
  readonly expectedOrganId?: OrganId;
  /**
   * Resource limits for parsing the input (default: @edoc/edxml's defaultLimits). `maxBytes`
   * bounds the input as received; the canonical signed content is not held to it again.
   */
  readonly limits?: Partial<Limits>;
  /**
   * Refuse (SIGNATURE_MALFORMED) unsigned content: any element inside the Signature outside the
   * XML-DSig, XML-DSig 1.1, exclusive-C14N and XAdES namespaces, and any comment in the
   * document. Such content is never signed and never read by verifyPacket, but whoever
   * forwards the received bytes (the hub does) hands it to receivers whose parsers or readers
   * may not be as careful. Default false.
   */
  readonly strictSignatureContent?: boolean;
}

export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  /** Lower-case hex without leading zeros. */
  readonly serialNumber: string;
}

export interface SignerInfo extends CertificateSummary {
  readonly organIds: OrganId[];
  /** ISO 8601. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 of the DER certificate, lower-case hex. */
  readonly fingerprintSha256: string;
  readonly certificatePem: string;
}

export interface CrlUsed {
  readonly issuer: string;
  readonly thisUpdate: string;
  readonly nextUpdate?: string;
  /** The distribution point it was fetched from (absent for a configured CRL). */
  readonly url?: string;
}

/** An OCSP answer that decided a certificate's status. */
export interface OcspUsed {
  readonly responder: string;
  readonly status: "good" | "revoked";
  /** ISO 8601. */
  readonly producedAt: string;
}

export interface VerificationReport {
  /** True only when there is no reason: signature, path, validity, revocation, binding. */
  valid: boolean;
  reasons: Reason[];
  /** Short SignatureMethod name, e.g. "rsa-sha256", once the signature was read. */
  algorithm?: string;
  /** The signature or its digest uses SHA-1 (allowed only with allowSha1). */
  legacySha1: boolean;
  /** The certificate whose key verified the SignatureValue. */
  signer?: SignerInfo;
  /** Signer first, trust anchor last (just the signer when no path was found). */
  chain: CertificateSummary[];
  /** "checked" when the signer's status came from a CRL that verified against its issuer. */
  revocation: "checked" | "unchecked";
  crlsUsed: CrlUsed[];
  /** OCSP answers used (present when a responder was asked and answered). */
  ocspUsed?: OcspUsed[];
  /**
   * What did not refuse the signature but must be recorded: REVOCATION_UNAVAILABLE for a
   * soft-fail CA. Present only when there is one.
   */
  warnings?: Reason[];
  /** ISO 8601: the instant certificates and CRLs were judged at (policy.at, SigningTime or now). */
  validatedAt?: string;
  /** Present when the signature is XAdES-BES (a Reference to xades:SignedProperties). */
  xades?: XadesInfo;
  /**
   * Exactly the bytes the signature covers (canonical XML of the document without the
   * Signature), present only when the cryptographic check passed. Read values from this.
   */
  signedXml?: string;
}

export function reason(code: ReasonCode, message: string): Reason {
  return { code, message };
}
