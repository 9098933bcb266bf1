import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    reporters: ["default", "./test/harness/SummaryReporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          setupFiles: ["test/harness/yieldAfterEach.ts"],
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.integration.test.ts", "test/fuzz/**"]
        }
      },
      {
        // The generated bad-input suite (test/fuzz/README.md): FUZZ_RUNS, FUZZ_SEED, ...
        test: {
          name: "fuzz",
          setupFiles: ["test/harness/yieldAfterEach.ts"],
          include: ["test/fuzz/**/*.fuzz.test.ts"],
          testTimeout: 1_800_000
        }
      },
      {
        test: {
          name: "integration",
          setupFiles: ["test/harness/yieldAfterEach.ts"],
          include: ["test/**/*.integration.test.ts"],
          globalSetup: ["test/harness/globalSetup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000
        }
      }
    ]
  }
})
