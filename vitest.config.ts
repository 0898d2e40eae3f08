import tsconfigPaths from "vite-tsconfig-paths";
import { defineConfig } from "vitest/config";

// Three projects: unit tests beside the code, and the two suites that need the
// Firestore emulator (started by `npm test`, see scripts/test.ts).
export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    environment: "node",
    restoreMocks: true,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["app/**/*.test.{ts,tsx}", "scripts/**/*.test.ts", "bench/**/*.test.ts", "tests/fakes/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          setupFiles: ["tests/setup/integration.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      { extends: true, test: { name: "rules", include: ["tests/rules/**/*.test.ts"], testTimeout: 30_000 } },
    ],
  },
});
