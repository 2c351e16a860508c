import { ConfigError, envInt, type HubConfig, loadHubConfig, readText } from "@edoc/runtime";
import type { TokenConfig } from "./token.js";

export interface SignerConfig extends HubConfig {
  token: TokenConfig;
  /** The certificate receipts are published with: the token's key must be its key. */
  receiptCertFile: string | undefined;
  opsPort: number;
}

export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";

/**
 * EDOC_PKCS11_MODULE (default SoftHSM2), EDOC_PKCS11_TOKEN, EDOC_PKCS11_KEY (labels),
 * EDOC_PKCS11_PIN_FILE (the user PIN, never in the environment or the logs).
 */
export function loadSignerConfig(env: NodeJS.ProcessEnv = process.env): SignerConfig {
  const pinFile = env.EDOC_PKCS11_PIN_FILE;
  if (!pinFile) throw new ConfigError("EDOC_PKCS11_PIN_FILE (the token's user PIN) is required");
  const pin = readText(pinFile, "PKCS#11 PIN").trim();
  if (!pin) throw new ConfigError(`${pinFile} holds no PIN`);
  return {
    ...loadHubConfig(env),
    token: {
      modulePath: env.EDOC_PKCS11_MODULE || SOFTHSM_MODULE,
      tokenLabel: env.EDOC_PKCS11_TOKEN || "edoc-hub",
      keyLabel: env.EDOC_PKCS11_KEY || "hub-receipts",
      pin,
    },
    receiptCertFile: env.EDOC_RECEIPT_CERT || undefined,
    opsPort: envInt("EDOC_SIGNER_OPS_PORT", 9468, env),
  };
}
