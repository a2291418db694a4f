import { mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// The runner's tests are end to end (a simulator, a bot, often a child process) and spend most of their time
// waiting on timers and sockets: three files at once keep two cores busy without starving any of them
// (vitest's default on a 2-core machine is one file at a time).
export default mergeConfig(shared, { test: { maxWorkers: 3, minWorkers: 1 } })
