import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * PDFs made and signed by pyHanko (`bash infra/pyhanko.sh` installs it; without it the calling
 * test fails, it does not skip). Keys and certificates are PEM texts from the dev PKI.
 */
const PYTHON =
  process.env.EDOC_PYHANKO_PYTHON ?? join(homedir(), ".cache/edoc-hub/pyhanko-0.38.0/bin/python");
const SCRIPT = fileURLToPath(new URL("./pyhanko_sign.py", import.meta.url));

export interface PyHankoSigner {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** The issuing CA (and root) certificates the CMS carries. */
  readonly chainPem: string;
}

function inTemp<T>(run: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "pades-"));
  try {
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function py(...args: string[]): void {
  execFileSync(PYTHON, [SCRIPT, ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

/** A one-page PDF written by pyHanko. */
export function basePdf(): Buffer {
  return inTemp((dir) => {
    py("base", join(dir, "out.pdf"));
    return readFileSync(join(dir, "out.pdf"));
  });
}

/** Appends a signature (an incremental update) with field `field`. */
export function signPdf(
  pdf: Uint8Array,
  signer: PyHankoSigner,
  field: string,
  subFilter: "pades" | "pkcs7" = "pades",
): Buffer {
  return inTemp((dir) => {
    const f = (n: string) => join(dir, n);
    writeFileSync(f("in.pdf"), pdf);
    writeFileSync(f("key.pem"), signer.privateKeyPem, { mode: 0o600 });
    writeFileSync(f("cert.pem"), signer.certificatePem);
    writeFileSync(f("chain.pem"), signer.chainPem);
    py(
      "sign",
      f("in.pdf"),
      f("out.pdf"),
      f("key.pem"),
      f("cert.pem"),
      f("chain.pem"),
      field,
      subFilter,
    );
    return readFileSync(f("out.pdf"));
  });
}

/** Appends an unsigned incremental update (a new document title). */
export function updatePdf(pdf: Uint8Array): Buffer {
  return inTemp((dir) => {
    writeFileSync(join(dir, "in.pdf"), pdf);
    py("update", join(dir, "in.pdf"), join(dir, "out.pdf"));
    return readFileSync(join(dir, "out.pdf"));
  });
}
