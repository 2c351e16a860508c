// @peculiar/x509 2.x resolves its algorithm providers through tsyringe, which needs the Reflect
// metadata API before the library loads; ESM evaluates imports in order, so this one comes first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

// Node's own WebCrypto (global since Node 19): no third-party crypto in the signing path.
x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
