import { z } from "zod";

/**
 * The signer's RPC (queue `signer.rpc`): the hub's receipt key lives in a PKCS#11 token that
 * only the signer opens; the gateway and the archive send it bytes and get signatures back.
 * `data` is a batch: one round trip signs every receipt a gateway made in the same tick.
 */
export const SIGNER_MAX_BATCH = 64;
const base64 = z
  .string()
  .min(1)
  .max(64 * 1024)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, "base64");

export const SignerRpcParams = {
  "signer.sign": z.object({
    /** RSASSA-PKCS1-v1_5 with SHA-256 over each item (the token hashes). */
    algorithm: z.literal("rsa-sha256"),
    data: z.array(base64).min(1).max(SIGNER_MAX_BATCH),
  }),
} as const;

export const SignerRpcResults = {
  "signer.sign": z.object({ signatures: z.array(base64) }),
} as const;
export type SignerSignParams = z.infer<(typeof SignerRpcParams)["signer.sign"]>;
