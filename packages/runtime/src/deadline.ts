import { DEFAULT_DEADLINE_POLICY, type DeadlinePolicy } from "@edoc/routing";
import { ConfigError, envInt } from "./config.js";

/**
 * The legal receipt deadline as this hub applies it (@edoc/routing receiptDeadline), from the
 * environment: EDOC_URGENT_RECEIPT_MINUTES is the window for urgent letters (default 120;
 * a test hub sets 0 to make "late" happen at once). Every service reads it here.
 */
export function loadDeadlinePolicy(env: NodeJS.ProcessEnv = process.env): DeadlinePolicy {
  const urgentMinutes = envInt(
    "EDOC_URGENT_RECEIPT_MINUTES",
    DEFAULT_DEADLINE_POLICY.urgentMinutes,
    env,
  );
  if (urgentMinutes < 0)
    throw new ConfigError(`EDOC_URGENT_RECEIPT_MINUTES must be ≥ 0, got ${urgentMinutes}`);
  return { ...DEFAULT_DEADLINE_POLICY, urgentMinutes };
}
