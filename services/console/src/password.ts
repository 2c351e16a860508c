import { randomBytes, timingSafeEqual } from "node:crypto";
import { argon2id } from "hash-wasm";

/**
 * argon2id password hashes in the PHC string form
 * `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (base64 without padding), as `edoc console
 * add-user` writes them. hash-wasm is pure WebAssembly: nothing native to build.
 */

/** OWASP's recommended minimum for argon2id: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_PARAMS = { memorySize: 19_456, iterations: 2, parallelism: 1 } as const;

/** Hashes that ask for more than this are refused (a hostile users file cannot exhaust us). */
const MAX = { memorySize: 262_144, iterations: 16, parallelism: 8, hashLength: 64 } as const;

interface Parsed {
  memorySize: number;
  iterations: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** The parameters of a PHC argon2id string, or undefined when it is not one we accept. */
export function parseArgon2id(encoded: string): Parsed | undefined {
  const m = PHC.exec(encoded);
  if (!m) return undefined;
  const [memorySize, iterations, parallelism] = [m[1], m[2], m[3]].map(Number) as [
    number,
    number,
    number,
  ];
  const salt = Buffer.from(m[4] ?? "", "base64");
  const hash = Buffer.from(m[5] ?? "", "base64");
  if (
    memorySize < 8 * parallelism ||
    memorySize > MAX.memorySize ||
    iterations < 1 ||
    iterations > MAX.iterations ||
    parallelism < 1 ||
    parallelism > MAX.parallelism ||
    salt.length < 8 ||
    hash.length < 16 ||
    hash.length > MAX.hashLength
  )
    return undefined;
  return { memorySize, iterations, parallelism, salt, hash };
}

export async function hashPassword(password: string): Promise<string> {
  return argon2id({
    password,
    salt: randomBytes(16),
    ...ARGON2_PARAMS,
    hashLength: 32,
    outputType: "encoded",
  });
}

/**
 * Recomputes the hash with the stored salt and parameters and compares in constant time.
 * A malformed stored hash verifies nothing (false), after the same amount of work as a real one.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseArgon2id(encoded) ?? DUMMY;
  const computed = await argon2id({
    password,
    salt: parsed.salt,
    memorySize: parsed.memorySize,
    iterations: parsed.iterations,
    parallelism: parsed.parallelism,
    hashLength: parsed.hash.length,
    outputType: "binary",
  });
  const same = timingSafeEqual(Buffer.from(computed), parsed.hash);
  return same && parsed !== DUMMY;
}

/** Work done for unknown users and unreadable hashes, so that timing does not tell them apart. */
const DUMMY: Parsed = {
  ...ARGON2_PARAMS,
  salt: randomBytes(16),
  hash: randomBytes(32),
};

/** Verifies against nothing (an unknown user): the same work as a real verification. */
export async function burnVerification(password: string): Promise<false> {
  await verifyPassword(password, "");
  return false;
}
