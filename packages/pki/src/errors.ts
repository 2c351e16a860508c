/** Stable, machine-readable codes; messages may change, codes do not. */
export type PkiErrorCode =
  | "PKI_STATE_INVALID"
  | "NAME_INVALID"
  | "VALIDITY_INVALID"
  | "KEY_INVALID"
  | "CERT_INVALID"
  | "CERT_UNKNOWN"
  | "CERT_ALREADY_REVOKED"
  | "PKCS12_UNSUPPORTED_KEY"
  | "PKCS12_BAD_PASSWORD"
  | "PKCS12_MALFORMED";

/** Every failure this package reports for bad input or state; never carries a stack for users. */
export class PkiError extends Error {
  readonly code: PkiErrorCode;

  constructor(code: PkiErrorCode, message: string) {
    super(message);
    this.name = "PkiError";
    this.code = code;
  }
}
