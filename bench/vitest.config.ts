import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Benchmarks run through vitest only to load TypeScript; each prints its figures and ratios.
const packagesDir = fileURLToPath(new URL("../packages", import.meta.url));
const alias = Object.fromEntries(
  readdirSync(packagesDir).map((name) => [`@edoc/${name}`, `${packagesDir}/${name}/src/index.ts`]),
);

export default defineConfig({
  resolve: { alias },
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["bench/**/*.bench.ts"],
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: "forks",
  },
});
