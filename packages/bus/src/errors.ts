/** The broker cannot be reached right now; callers answer 503 and the client retries. */
export class BusUnavailableError extends Error {
  readonly code = "BUS_UNAVAILABLE";
  constructor(message = "message broker unavailable") {
    super(message);
  }
}

/** An RPC call got no answer in time (the consumer is down or overloaded). */
export class RpcTimeoutError extends Error {
  readonly code = "RPC_TIMEOUT";
  constructor(queue: string, ms: number) {
    super(`no answer from ${queue} within ${ms} ms`);
  }
}

/**
 * A handler error that no retry can fix (malformed message, violated invariant): the message
 * goes to the dead-letter queue at once, with this reason, instead of being redelivered.
 */
export class PermanentError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** An error an RPC handler returns to its caller on purpose (a refusal, not a crash). */
export class RpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
