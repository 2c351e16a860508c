import { isOrganId } from "@edoc/directory";
import { z } from "zod";
import type { PdfReport } from "./report.js";

/** record: keep the report only; warn: accept and flag the letter; refuse: PDF_SIGNATURE_REQUIRED. */
export type PdfPolicyAction = "record" | "warn" | "refuse";

export interface PdfPolicy {
  readonly default: PdfPolicyAction;
  /** Per sending agency (OrganId), overriding the default. */
  readonly agencies: Readonly<Record<string, PdfPolicyAction>>;
}

export const DEFAULT_PDF_POLICY: PdfPolicy = { default: "record", agencies: {} };

export class PdfPolicyError extends Error {
  readonly code = "PDF_POLICY_INVALID";
}

const ACTION = z.enum(["record", "warn", "refuse"]);
const POLICY = z
  .object({
    default: ACTION.default("record"),
    agencies: z
      .record(z.string(), ACTION)
      .refine((a) => Object.keys(a).every(isOrganId), "every key must be an OrganId")
      .default({}),
  })
  .strict();

/** The EDOC_PDF_POLICY_FILE text ({ "default": "record", "agencies": { OrganId: action } }). */
export function parsePdfPolicy(text: string): PdfPolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PdfPolicyError(`the PDF policy is not JSON: ${(err as Error).message}`);
  }
  const parsed = POLICY.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new PdfPolicyError(`the PDF policy is invalid: ${issues.join("; ")}`);
  }
  return parsed.data;
}

export interface PdfDecision {
  readonly action: PdfPolicyAction;
  /** The PDFs without a valid signature (verdict other than PDF_SIGNATURE_VALID). */
  readonly failing: readonly PdfReport[];
}

/**
 * What the sender's policy does with a letter's PDF reports. A letter passes when each of its
 * PDFs is PDF_SIGNATURE_VALID; a letter without any PDF has nothing to judge and passes.
 */
export function decidePdfPolicy(
  policy: PdfPolicy,
  sender: string,
  reports: readonly PdfReport[],
): PdfDecision {
  const action = policy.agencies[sender] ?? policy.default;
  return { action, failing: reports.filter((r) => r.verdict !== "PDF_SIGNATURE_VALID") };
}
