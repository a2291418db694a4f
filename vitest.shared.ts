import { defineConfig } from "vitest/config"

// Tests run against TypeScript sources through the "@alpha-hunter/source" export condition,
// so no package needs to be built first. Vite 7 reads node conditions from ssr.resolve.
export default defineConfig({
  ssr: {
    resolve: {
      conditions: ["@alpha-hunter/source", "module", "node", "development|production"]
    }
  },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [new URL("./vitest.setup.ts", import.meta.url).pathname],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
