import { z } from "zod";

/** A signed chain head as agencies fetch it (@edoc/receipts SignedChainHead). */
export const PublishedChainHead = z.object({
  seq: z.number().int().nonnegative(),
  hash: z.string(),
  at: z.string(),
  algorithm: z.string(),
  /** base64, over canonicalJson({ seq, hash, at }) with the hub's key */
  signature: z.string(),
  certificatePem: z.string().optional(),
  /** base64 DER RFC 3161 TimeStampToken over the signed head; absent while the TSA has not answered */
  timestampToken: z.string().optional(),
});
export type PublishedChainHead = z.infer<typeof PublishedChainHead>;

/**
 * RPC `chain.heads`: the signed (and timestamped) chain heads after seq `since`, oldest first,
 * so an agency can keep its own copy and later prove the hub's chain was not rewritten.
 */
export const ChainRpcParams = {
  "chain.heads": z.object({
    since: z.number().int().min(-1).default(-1),
    limit: z.number().int().min(1).max(1000).default(100),
  }),
} as const;

export const ChainRpcResults = {
  "chain.heads": z.object({ heads: z.array(PublishedChainHead) }),
} as const;
