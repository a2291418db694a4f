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
    // vitest's default on a 2-core machine is one file at a time; most files here wait on sockets and timers
    // (a simulator over HTTP/WebSocket, the Effect clock), so two at once keep the cores busy. CI runs the
    // packages one after another (turbo --concurrency=1), so this is the whole machine's test parallelism.
    maxWorkers: 2,
    minWorkers: 1,
    setupFiles: [new URL("./vitest.setup.ts", import.meta.url).pathname],
    // one temporary directory per run (TMPDIR), removed at its end: tests leave no files behind
    globalSetup: [new URL("./vitest.tmp.ts", import.meta.url).pathname],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
