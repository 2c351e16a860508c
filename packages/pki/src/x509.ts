// @peculiar/x509 2.x resolves its algorithm providers through tsyringe, which needs the Reflect
// metadata API before the library loads; ESM evaluates imports in order, so this one comes first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

// Node's own WebCrypto (global since Node 19): no third-party crypto in the signing path.
x509.cryptoProvider.set(globalThis.crypto);

export { x509 };

/**
 * PEM with a final newline, so files and concatenated chains stay well-formed. CRLs get the
 * RFC 7468 label "X509 CRL" (the library writes "CRL", which OpenSSL and xmlsec1 do not read).
 */
export function toPem(item: x509.X509Certificate | x509.X509Crl): string {
  const label = item instanceof x509.X509Crl ? "X509 CRL" : "CERTIFICATE";
  const pem = x509.PemConverter.encode(item.rawData, label).replace(/\r\n/g, "\n");
  return pem.endsWith("\n") ? pem : `${pem}\n`;
}
