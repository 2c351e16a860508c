import { z } from "zod";

/**
 * Maintenance mode (bảo trì): while on, the gateways refuse new submissions with 503
 * MAINTENANCE and `Retry-After`; inboxes stay readable. Stored by the archive, so every
 * gateway instance, and a restarted one, follows the same switch.
 */
export const MaintenanceState = z.object({
  on: z.boolean(),
  /** what the gateways put in `Retry-After` */
  retryAfterSeconds: z.number().int().min(1).max(86_400),
  reason: z.string().max(500).optional(),
  /** who switched it last, and when */
  by: z.string().max(100).optional(),
  since: z.string().datetime({ offset: true }).optional(),
});
export type MaintenanceState = z.infer<typeof MaintenanceState>;

export const MaintenanceRpcParams = {
  "maintenance.get": z.object({}),
  "maintenance.set": z.object({
    on: z.boolean(),
    retryAfterSeconds: z.number().int().min(1).max(86_400).default(300),
    reason: z.string().max(500).optional(),
    by: z.string().min(1).max(100),
  }),
} as const;

export const MaintenanceRpcResults = {
  "maintenance.get": MaintenanceState,
  "maintenance.set": MaintenanceState,
} as const;
