import { configDefaults, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// The runner's tests are end to end (a simulator, a bot, often a child process) and spend most of their time
// waiting on timers and sockets: three files at once keep two cores busy without starving any of them
// (vitest's default on a 2-core machine is one file at a time). Two files run alone, after the others:
// the dual-source verification tests time how fast a desync is detected (≤ 5 s), which a loaded slow machine
// missed twice beside other files; and the sweep tests' worker threads keep both cores busy.
const alone = ["test/Verification.test.ts", "test/SweepRun.test.ts"] as const
// (each project's include list is the shared one, extended: a project selects its files by excluding the rest)
const only = (file: string) => `test/!(${file.slice(5, -8)}).test.ts`
export default mergeConfig(shared, {
  test: {
    maxWorkers: 3,
    minWorkers: 1,
    projects: [
      {
        extends: true,
        test: { name: "runner", exclude: [...configDefaults.exclude, ...alone], sequence: { groupOrder: 0 } }
      },
      ...alone.map((file, i) => ({
        extends: true,
        test: {
          name: file.slice(5, -8),
          exclude: [...configDefaults.exclude, only(file)],
          sequence: { groupOrder: i + 1 }
        }
      }))
    ]
  }
})
