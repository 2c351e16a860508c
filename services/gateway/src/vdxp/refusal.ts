import { type Envelope, failEnvelope, type VdxpError, vdxpErrorOf } from "@edoc/vdxp";
import { ApiError } from "../errors.js";

/** A refusal of the VDXP door that has no native counterpart (authentication, headers). */
export class VdxpRefusal extends Error {
  constructor(
    readonly error: VdxpError,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Any failure as the protocol's FAIL envelope: native refusals (the same ApiErrors the native
 * API gives) keep their code in `edocCode`; anything unexpected is INTERNAL, its details
 * logged by the caller, never sent.
 */
export function envelopeOf(err: unknown): { envelope: Envelope; internal: boolean } {
  if (err instanceof VdxpRefusal) {
    return { envelope: failEnvelope(err.error, err.message), internal: false };
  }
  if (err instanceof ApiError) {
    const error = vdxpErrorOf(err.code, err.status);
    return {
      envelope: failEnvelope(
        error,
        err.status >= 500 && err.code === "INTERNAL" ? "internal error" : err.message,
        err.code,
      ),
      internal: err.status >= 500,
    };
  }
  const e = err as { type?: string };
  if (e?.type === "entity.too.large") {
    return { envelope: failEnvelope("TOO_LARGE", "request body too large"), internal: false };
  }
  if (e?.type === "entity.parse.failed") {
    return {
      envelope: failEnvelope("BAD_REQUEST", "request body is not valid JSON"),
      internal: false,
    };
  }
  return { envelope: failEnvelope("INTERNAL", "internal error"), internal: true };
}
