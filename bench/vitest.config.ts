import { defineConfig, mergeConfig } from "vitest/config";
import base from "../vitest.config.js";

// Benchmarks run through vitest only to load TypeScript; each prints its figures and ratios.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ["bench/**/*.bench.ts"],
      testTimeout: 1_800_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  }),
);
