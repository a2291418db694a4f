import { configDefaults, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// The runner's tests are end to end (a simulator, a bot, often a child process) and spend most of their time
// waiting on timers and sockets: three files at once keep two cores busy without starving any of them
// (vitest's default on a 2-core machine is one file at a time). Two files run alone, after the others:
// the dual-source verification tests time how fast a desync is detected (≤ 5 s), which a loaded slow machine
// missed twice beside other files; and the sweep tests' worker threads keep both cores busy.
const alone = ["Verification", "SweepRun"] as const
const path = (name: string) => `test/${name}.test.ts`
export default mergeConfig(shared, {
  test: {
    // the CLI the tests start, bundled once per run (test/cliBundle.ts)
    globalSetup: ["test/cliBundle.ts"],
    maxWorkers: 3,
    minWorkers: 1,
    projects: [
      {
        extends: true,
        test: { name: "runner", exclude: [...configDefaults.exclude, ...alone.map(path)], sequence: { groupOrder: 0 } }
      },
      // (a project's include list is the shared one, extended: it selects its one file by excluding the others)
      ...alone.map((name, i) => ({
        extends: true,
        test: { name, exclude: [...configDefaults.exclude, path(`!(${name})`)], sequence: { groupOrder: i + 1 } }
      }))
    ]
  }
})
