import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup/fast-check.ts"],
    globalSetup: ["test/setup/custom-status-report.ts"],
    pool: "forks",
    // Both cores: the default leaves one idle on a 2-core machine, and most files wait on virtual clocks and sockets.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
