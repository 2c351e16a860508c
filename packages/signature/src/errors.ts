/** Stable codes for failures of the caller's own material (keys, policy, what to sign). */
export type SignatureErrorCode =
  | "SIGNATURE_EXISTS"
  | "NOT_EDXML"
  | "KEY_INVALID"
  | "KEY_CERT_MISMATCH"
  | "ALGORITHM_KEY_MISMATCH"
  | "TRUST_POLICY_INVALID";

/**
 * Thrown by signing for unusable keys or documents and by verification for an unusable trust
 * policy. A bad *signature* is never an exception: it is a reason in the VerificationReport.
 */
export class SignatureError extends Error {
  readonly code: SignatureErrorCode;

  constructor(code: SignatureErrorCode, message: string) {
    super(message);
    this.name = "SignatureError";
    this.code = code;
  }
}
