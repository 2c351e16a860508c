import { z } from "zod";

/**
 * The PDF signature reports (@edoc/pades) as they travel with an accepted letter and are kept in
 * its record: what the gateway found in each PDF at submit. Certificate paths are left out
 * (the evidence bundle re-verifies offline); the signer is identified by serial and fingerprint.
 */
const PdfVerdict = z.enum([
  "PDF_SIGNATURE_VALID",
  "PDF_UNSIGNED",
  "PDF_DIGEST_MISMATCH",
  "PDF_SIGNATURE_INVALID",
  "PDF_SIGNATURE_UNSUPPORTED",
  "PDF_CERT_UNTRUSTED",
  "PDF_CERT_REVOKED",
  "PDF_MODIFIED_AFTER_SIGNING",
]);

export const PdfSignatureRecord = z.object({
  index: z.number().int().min(1),
  subFilter: z.string().max(128),
  verdict: PdfVerdict,
  reasons: z
    .array(z.object({ code: PdfVerdict, detail: z.string().optional(), message: z.string() }))
    .max(32),
  holder: z.enum(["seal", "person", "unknown"]),
  signer: z
    .object({
      subject: z.string(),
      issuer: z.string(),
      serialNumber: z.string(),
      organIds: z.array(z.string()),
      fingerprintSha256: z.string(),
      notBefore: z.string(),
      notAfter: z.string(),
    })
    .optional(),
  signingTime: z.string().optional(),
  signingTimeSource: z.enum(["signed-attribute", "dictionary"]).optional(),
  byteRange: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  coversWholeFile: z.boolean(),
  revocation: z.enum(["checked", "unchecked"]),
});

export const PdfRecord = z.object({
  path: z.string().max(1024),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  verdict: PdfVerdict,
  modifiedAfterLastSignature: z.boolean(),
  validatedAt: z.string(),
  problem: z.string().optional(),
  signatures: z.array(PdfSignatureRecord).max(32),
});
export type PdfRecord = z.infer<typeof PdfRecord>;

/** The letter's PDFs and what the sender's PDF policy did (record, warn; refuse never arrives). */
export const PdfCheck = z.object({
  policy: z.enum(["record", "warn", "refuse"]),
  /** True when the policy is warn and some PDF carries no valid signature. */
  warning: z.boolean(),
  /** At most @edoc/pades' MAX_PDFS, plus one entry for those beyond it. */
  pdfs: z.array(PdfRecord).max(1001),
});
export type PdfCheck = z.infer<typeof PdfCheck>;
