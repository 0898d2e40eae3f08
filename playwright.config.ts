import { defineConfig } from "@playwright/test";

// Browser tests run the production build against the project's fake provider
// and the emulator that `npm test` started (FIRESTORE_EMULATOR_HOST).
const APP_PORT = Number(process.env.E2E_APP_PORT ?? 3311);
const FAKE_PORT = Number(process.env.E2E_FAKE_PORT ?? 4311);

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  reporter: [["list"], ["json", { outputFile: "test-results/playwright.json" }]],
  use: {
    baseURL: `http://localhost:${APP_PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  // Every spec on a desktop screen; the lab's, the assistant page's and a GPT Lab person's first visit
  // also on a phone's (a spec that needs both sizes in one test, like the chat's, sets its own).
  projects: [
    { name: "desktop", use: { viewport: { width: 1280, height: 800 } } },
    {
      name: "phone",
      use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
      testMatch: [/\/lab\.spec\.ts$/, /instructions-visibility\.spec\.ts$/, /gpt-lab\.spec\.ts$/],
    },
  ],
  webServer: [
    {
      command: `node tests/fakes/serve.ts --port ${FAKE_PORT}`,
      url: `http://127.0.0.1:${FAKE_PORT}/health`,
      reuseExistingServer: false,
    },
    {
      // The showcase is seeded first, as `npm start` does for an empty database.
      command: "tsx scripts/seed.ts && node scripts/server.ts",
      url: `http://localhost:${APP_PORT}/healthz`,
      reuseExistingServer: false,
      env: {
        NODE_ENV: "production",
        PORT: String(APP_PORT),
        OPENAI_BASE_URL: `http://127.0.0.1:${FAKE_PORT}/v1`,
        GOOGLE_CLOUD_PROJECT: "demo-e2e",
        SESSION_SECRETS: "e2e-session-secret-0123456789abcdef0123",
        USER_HASH_SECRET: "e2e-user-hash-secret-0123456789abcdef0123",
        ENCRYPTION_SECRET: "e2e-encryption-secret-0123456789abcdef0123",
        // Every test signs in from the same address.
        SIGN_IN_ATTEMPTS: "1000",
      },
    },
  ],
});
