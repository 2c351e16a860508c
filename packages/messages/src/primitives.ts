/** Field schemas every contract file shares: one definition each. */
import { z } from "zod";

export const organId = z
  .string()
  .regex(/^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/, "OrganId V1V2V3.Z1Z2.Y1Y2.X1X2X3");
export const isoTime = z.string().datetime({ offset: true });
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
