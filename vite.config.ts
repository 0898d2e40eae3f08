import { vitePlugin as remix } from "@remix-run/dev";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";
import { onBuildWarning } from "./scripts/build-warnings.ts";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  // Pre-bundle the browser's dependencies at start: discovering one on a page
  // visit re-optimizes and leaves two copies of React in the page.
  optimizeDeps: {
    include: [
      "@conform-to/react",
      "@conform-to/zod/v4",
      "zod",
      "react-markdown",
      "remark-gfm",
      "rehype-highlight",
      "eventsource-parser/stream",
    ],
  },
  build: { rollupOptions: { onwarn: onBuildWarning } },
  plugins: [
    tailwindcss(),
    remix({
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        v3_lazyRouteDiscovery: true,
      },
    }),
    tsconfigPaths(),
  ],
});
