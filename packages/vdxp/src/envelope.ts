import { VDXP_ERRORS, type VdxpError } from "./errors.js";

/**
 * Every answer of the listener is HTTP 200 with this envelope: without `status` the SDK throws
 * a NullPointerException, so even an unknown operation gets one.
 */
export interface Envelope {
  status: "OK" | "FAIL";
  ErrorCode: string;
  ErrorDesc: string;
  /** FAIL: the hub's native refusal code (the same as the native API's `code`) */
  edocCode?: string;
  [field: string]: unknown;
}

export function okEnvelope<T extends Record<string, unknown>>(fields?: T): Envelope & T {
  return {
    status: "OK",
    ErrorCode: VDXP_ERRORS.OK,
    ErrorDesc: "Success",
    ...(fields ?? ({} as T)),
  } as Envelope & T;
}

export function failEnvelope(error: VdxpError, desc: string, nativeCode?: string): Envelope {
  return {
    status: "FAIL",
    ErrorCode: VDXP_ERRORS[error],
    ErrorDesc: desc,
    edocCode: nativeCode ?? error,
  };
}
