/** Resource bounds applied to untrusted input before and while it is parsed. */
export interface Limits {
  /** Whole packet, in UTF-8 bytes. */
  maxBytes: number;
  /** Element nesting depth (the root is depth 1). */
  maxDepth: number;
  /** Number of elements in the document. */
  maxElements: number;
  /** Number of attributes in the document, namespace declarations included. */
  maxAttributes: number;
  /** Number of comments and CDATA sections in the document (each becomes a DOM node). */
  maxComments: number;
  /** Decoded size of each attachment, in bytes. */
  maxAttachmentBytes: number;
}

const MiB = 1024 * 1024;

/**
 * Generous for real letters (a few attachments of scanned PDFs, hundreds of recipients) yet
 * small enough that one packet cannot exhaust a worker.
 */
export const defaultLimits: Limits = Object.freeze({
  maxBytes: 64 * MiB,
  maxDepth: 64,
  maxElements: 100_000,
  maxAttributes: 100_000,
  maxComments: 1_000,
  maxAttachmentBytes: 45 * MiB,
});

export function resolveLimits(partial?: Partial<Limits>): Limits {
  const limits = { ...defaultLimits };
  for (const key of Object.keys(defaultLimits) as (keyof Limits)[]) {
    const value = partial?.[key];
    if (value !== undefined) {
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new RangeError(`limit ${key} must be a positive integer, got ${value}`);
      }
      limits[key] = value;
    }
  }
  return limits;
}
