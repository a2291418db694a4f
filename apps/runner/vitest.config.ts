import { configDefaults, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// The runner's tests are end to end (a simulator, a bot, often a child process) and spend most of their time
// waiting on timers and sockets: three files at once keep two cores busy without starving any of them
// (vitest's default on a 2-core machine is one file at a time). The sweep tests are the exception: worker
// threads running backtests keep both cores busy, so they run after the others, alone, rather than beside
// tests that measure how fast something is detected.
const sweeps = "test/SweepRun.test.ts"
export default mergeConfig(shared, {
  test: {
    maxWorkers: 3,
    minWorkers: 1,
    projects: [
      {
        extends: true,
        test: { name: "runner", exclude: [...configDefaults.exclude, sweeps], sequence: { groupOrder: 0 } }
      },
      {
        // (the include list is the shared one, extended: every other file is excluded instead)
        extends: true,
        test: {
          name: "sweeps",
          exclude: [...configDefaults.exclude, "test/!(SweepRun).test.ts"],
          sequence: { groupOrder: 1 }
        }
      }
    ]
  }
})
