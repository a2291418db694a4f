import { mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// The plugin's files drive kalshi-sim over real HTTP and WebSocket and mostly wait on them: three at once
// (measured on 2 cores: 89 s one at a time, 57 s two, 40 s three).
export default mergeConfig(shared, { test: { maxWorkers: 3 } })
