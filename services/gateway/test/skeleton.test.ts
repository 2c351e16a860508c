import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SkeletonScanner } from "../src/skeleton.js";
import { Spool } from "../src/spool.js";

/** Runs `body` through a spool and a scanner in slices of `size` bytes. */
function scan(body: Buffer, size: number, minRun = 100) {
  const spool = new Spool();
  try {
    const scanner = new SkeletonScanner((o, n) => spool.readRange(o, n), minRun);
    for (let i = 0; i < body.length; i += size) {
      const chunk = body.subarray(i, i + size);
      spool.write(chunk);
      scanner.push(chunk);
    }
    const skeleton = scanner.finish();
    const runs = scanner.runs.map((r) => ({
      ...r,
      text: Buffer.concat([...spool.read(r.offset, r.length, 7)]).toString("latin1"),
    }));
    return { skeleton: skeleton.toString("latin1"), runs, prefix: scanner.prefix, spool };
  } finally {
    spool.dispose();
  }
}

/** The same cut, written plainly. */
function expected(body: string, minRun = 100): { skeleton: string; runs: string[] } {
  const runs: string[] = [];
  const re = new RegExp(`>([A-Za-z0-9+/=\\s]{${minRun},})<`, "g");
  const skeleton = body.replace(re, (m, run: string) => {
    if (!/[A-Za-z0-9+/]/.test(run)) return m;
    runs.push(run);
    return `>#${runs.length - 1}<`;
  });
  return { skeleton, runs };
}

describe("SkeletonScanner", () => {
  const b64 = (n: number) => randomBytes(n).toString("base64");
  const body = [
    `<?xml version="1.0"?><a><b>short</b><c>${b64(300)}</c>`,
    `<d>${b64(200).replace(/(.{60})/g, "$1\r\n")}</d>`,
    `<e>${" ".repeat(500)}</e>`, // whitespace only: kept
    `<f>${b64(300)}&amp;</f>`, // long, but not closed by markup: kept (read back)
    `<g x=">${b64(30)}">${b64(40)}</g>`, // short: kept
    `<h>${b64(150)}=</h><!--${b64(300)}--></a>`, // bad padding: cut, size undefined
  ].join("\n");

  for (const size of [1, 3, 64, 1000, 1 << 20]) {
    it(`cuts exactly the long runs between > and <, in slices of ${size}`, () => {
      const got = scan(Buffer.from(body, "latin1"), size);
      const want = expected(body);
      expect(got.runs.map((r) => r.text)).toEqual(want.runs);
      const numbered = got.runs.reduce((s, r, i) => s.replace(r.token, `#${i}`), got.skeleton);
      expect(numbered).toBe(want.skeleton);
      expect(got.runs.map((r) => r.token)).toEqual(got.runs.map((_, i) => `${got.prefix}${i}X`));
      expect(got.prefix).toMatch(/^EDOCDETACHED[0-9a-f]{32}N$/);
      expect(existsSync(got.spool.dir)).toBe(false);
    });
  }

  it("counts decoded sizes as base64Size does", () => {
    const got = scan(Buffer.from(body, "latin1"), 17);
    expect(got.runs.map((r) => r.decodedSize)).toEqual([300, 200, undefined]);
  });

  it("spools the exact bytes with their digest", () => {
    const bytes = randomBytes(3_000_001);
    const spool = new Spool();
    try {
      for (let i = 0; i < bytes.length; i += 65_536) spool.write(bytes.subarray(i, i + 65_536));
      expect(spool.size).toBe(bytes.length);
      expect(spool.digest()).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(Buffer.concat([...spool.read()]).equals(bytes)).toBe(true);
      expect([...spool.read()].map((b) => b.length)).toEqual([
        1 << 20,
        1 << 20,
        3_000_001 - 2 * (1 << 20),
      ]);
    } finally {
      spool.dispose();
    }
  });
});
