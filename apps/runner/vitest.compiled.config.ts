import { defineConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// the launch tests of the compiled entry (needs `pnpm build`); not part of `pnpm test`
export default defineConfig({ ...shared, test: { ...shared.test, include: ["test-compiled/**/*.test.ts"] } })
