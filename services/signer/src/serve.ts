import { X509Certificate } from "node:crypto";
import { RpcError } from "@edoc/bus";
import { SignerRpcParams, SignerRpcResults } from "@edoc/messages";
import type { Logger } from "@edoc/runtime";
import type { Token } from "./token.js";

/** The `signer.rpc` handler: validates the batch, signs each item in the token. */
export function signerHandler(token: Token, log: Logger, onSigned: (n: number) => void) {
  return async (method: string, params: unknown): Promise<unknown> => {
    if (method !== "signer.sign") {
      throw new RpcError(
        "RPC_UNKNOWN_METHOD",
        `signer.rpc has no method ${JSON.stringify(method)}`,
        404,
      );
    }
    const checked = SignerRpcParams["signer.sign"].safeParse(params);
    if (!checked.success) {
      throw new RpcError("RPC_BAD_REQUEST", checked.error.issues[0]?.message ?? "bad params", 400);
    }
    const signatures = checked.data.data.map((item) =>
      token.signRsaSha256(Buffer.from(item, "base64")).toString("base64"),
    );
    onSigned(signatures.length);
    log.debug({ count: signatures.length }, "signed");
    return SignerRpcResults["signer.sign"].parse({ signatures });
  };
}

/** Refuses to start when the token's key is not the certificate's: every receipt would fail. */
export function checkCertificate(token: Token, certPem: string): void {
  const certKey = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  if (!certKey.equals(token.publicKey.export({ type: "spki", format: "der" }))) {
    throw new Error("the token's key is not the key of EDOC_RECEIPT_CERT");
  }
}
