export {
  ACCEPTANCE_RECEIPT_NS,
  type AcceptanceReceipt,
  acceptanceReceiptTemplate,
  acceptanceReceiptXml,
} from "./acceptance.js";
export {
  RECEIPT_TYPES,
  type ReceiptBody,
  type ReceiptDataValue,
  type ReceiptType,
  validateReceiptBody,
} from "./body.js";
export { canonicalJson } from "./canonical-json.js";
export {
  type ChainPosition,
  type ChainProblem,
  type ChainProblemCode,
  type ChainVerification,
  chainReceipt,
  GENESIS,
  GENESIS_HASH,
  type Receipt,
  receiptBody,
  receiptHash,
  receiptId,
  verifyChain,
} from "./chain.js";
export { ReceiptError, type ReceiptErrorCode } from "./errors.js";
export { sha256Hex } from "./hash.js";
export {
  type ChainHead,
  type ChainHeadAlgorithm,
  chainHeadPayload,
  MIN_RSA_BITS,
  type RemoteRsaSha256,
  type SignedChainHead,
  signChainHead,
  signChainHeadRemote,
  timestampedHeadBytes,
  verifyChainHead,
} from "./head.js";
export {
  type ProofProblem,
  type ProofProblemCode,
  type ProofVerification,
  proveReceipts,
  type ReceiptProof,
  verifyProof,
} from "./proof.js";
