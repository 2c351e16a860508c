import type { OrganId } from "@edoc/directory";
import { chainReceipt, type Receipt, type ReceiptBody } from "../src/index.js";

export const SENDER = "000.00.00.G22" as OrganId;
export const RECIPIENT = "000.00.31.H53" as OrganId;
export const OTHER = "000.00.32.H53" as OrganId;
export const DIGEST = "a".repeat(64);

/** Receipts for two interleaved letters, hub-1 and hub-2. */
export function sampleBodies(): ReceiptBody[] {
  return [
    {
      type: "accepted",
      hubDocumentId: "hub-1",
      organId: SENDER,
      at: "2025-07-01T01:00:00.000Z",
      digest: DIGEST,
    },
    { type: "accepted", hubDocumentId: "hub-2", organId: SENDER, at: "2025-07-01T01:00:01.000Z" },
    {
      type: "routed",
      hubDocumentId: "hub-1",
      deliveryId: "dlv_1",
      organId: RECIPIENT,
      at: "2025-07-01T01:00:02.000Z",
    },
    {
      type: "fetched",
      hubDocumentId: "hub-1",
      deliveryId: "dlv_1",
      organId: RECIPIENT,
      at: "2025-07-01T01:05:00.000Z",
    },
    {
      type: "status",
      hubDocumentId: "hub-1",
      deliveryId: "dlv_1",
      organId: RECIPIENT,
      at: "2025-07-01T02:00:00.000Z",
      data: { statusCode: "03", description: "Đã tiếp nhận", attempt: 1, late: false, note: null },
    },
    {
      type: "routed",
      hubDocumentId: "hub-2",
      deliveryId: "dlv_2",
      organId: OTHER,
      at: "2025-07-01T02:00:01.000Z",
    },
  ];
}

export function buildChain(bodies: ReceiptBody[] = sampleBodies()): Receipt[] {
  const out: Receipt[] = [];
  for (const body of bodies) out.push(chainReceipt(out.at(-1), body));
  return out;
}

/** A throwaway self-signed P-256 test certificate and its key (openssl req -x509, 100 years). Test only. */
export const TEST_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIB5DCCAYmgAwIBAgIUSfeqPJ8Ogq3rLUGCR3frwxozKJ0wCgYIKoZIzj0EAwIw
RjELMAkGA1UEBhMCVk4xFjAUBgNVBAoMDWVkb2MtaHViIHRlc3QxHzAdBgNVBAMM
FmVkb2MtaHViIHJlY2VpcHRzIHRlc3QwIBcNMjYxMTI1MTcxMTE3WhgPMjEyNjEx
MDExNzExMTdaMEYxCzAJBgNVBAYTAlZOMRYwFAYDVQQKDA1lZG9jLWh1YiB0ZXN0
MR8wHQYDVQQDDBZlZG9jLWh1YiByZWNlaXB0cyB0ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAE+tg3/ytnsS8Ti+10+WQsAEAWNAdP6bbq3RTvIW9iqPuEyqjc
aZRXqvw1liFRsTS/VWltBWfRlEchCTVMMcKzAqNTMFEwHQYDVR0OBBYEFOzv8VeY
BO84EHv9ptBW8eoIFk1dMB8GA1UdIwQYMBaAFOzv8VeYBO84EHv9ptBW8eoIFk1d
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAMmlUeNcBs97yQ4Q
QVJHYpW7F4miXKgX31iUHJEZn5J2AiEAt23HjMsJnIbmdA8CMpBFvtkFhcBjQhAm
qJcU4PFgcPk=
-----END CERTIFICATE-----`;

export const TEST_CERT_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgaHatXXsf5l0rWlRN
4p9La4FgjSW6sx+O6DY+WyICIlahRANCAAT62Df/K2exLxOL7XT5ZCwAQBY0B0/p
turdFO8hb2Ko+4TKqNxplFeq/DWWIVGxNL9VaW0FZ9GURyEJNUwxwrMC
-----END PRIVATE KEY-----`;
