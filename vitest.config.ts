import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import workspace packages from source, so they need no build first.
const packagesDir = fileURLToPath(new URL("./packages", import.meta.url));
const alias = Object.fromEntries(
  readdirSync(packagesDir).map((name) => [`@edoc/${name}`, `${packagesDir}/${name}/src/index.ts`]),
);

export default defineConfig({
  resolve: { alias },
  test: {
    include: ["packages/*/test/**/*.test.ts", "services/*/test/**/*.test.ts", "tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
