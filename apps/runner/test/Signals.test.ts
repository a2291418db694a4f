/**
 * Stop paths: however the runner is stopped — SIGTERM to its process, SIGINT to its process group, a double
 * SIGINT, or its launcher killed outright — the graceful stop runs to the end: nothing of ours rests on the
 * venue, the report is printed, the journal has its `stop` entry, exit code 0.
 */
import { spawn } from "node:child_process"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Signals from "../src/Signals.js"
import { cli, cliCommand, type Proc, readJournal, runnerRoot, simBot, waitUntil } from "./helpers.js"

/** the CLI as a shell command (inside the single quotes of `sh -c '…'`: double quotes only) */
const shellCli = () =>
  cliCommand()
    .map((a) => `"${a}"`)
    .join(" ")

// one simulator for every run of this file (each run gets its own key, account and journal)
let scope: Scope.CloseableScope
let sim: KalshiSim.SimHandle
beforeAll(async () => {
  scope = await Effect.runPromise(Scope.make())
  sim = await Effect.runPromise(Scope.extend(KalshiSim.make({ markets: 4, seed: 5, flow: { ratePerSec: 10 } }), scope))
}, 30_000)
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

/** A key and a config file for a run with no end of its own, on the shared simulator. */
const setup = Effect.suspend(() => simBot({ markets: 4, seed: 5, flowPerSec: 10, sim }))

/** Waits until the run has orders resting on the venue. */
const quoting = (p: Proc, resting: Effect.Effect<number>) =>
  Effect.gen(function* () {
    yield* waitUntil("the run to start", () => p.output().includes("running —"), 60_000)
    for (let i = 0; i < 100 && (yield* resting) === 0; i++) yield* Effect.sleep("200 millis")
    assert.isAbove(yield* resting, 0, "nothing rested before the stop")
  })

const stoppedCleanly = (p: Proc, code: number | null, journal: string, resting: Effect.Effect<number>) =>
  Effect.gen(function* () {
    const out = p.output()
    assert.strictEqual(code, 0, out)
    assert.include(out, "verified: none of our orders rests", out)
    assert.include(out, "resting orders placed", out) // the report
    assert.notInclude(out, "FORCED EXIT", out)
    assert.strictEqual(yield* resting, 0, "orders still rest on the venue")
    const entries = yield* readJournal(journal)
    assert.isTrue(
      entries.some((e) => e.kind === "stop"),
      "no stop entry in the journal"
    )
  })

describe("the launcher chain", () => {
  it("npx → pnpm → sh -c → us: every launcher up to the interactive shell, not past it", () => {
    const procs: Record<number, Signals.ProcInfo> = {
      100: { ppid: 90, argv: ["node", "main.js", "run"] },
      90: { ppid: 80, argv: ["sh", "-c", "node main.js run"] },
      80: { ppid: 70, argv: ["/usr/bin/node", "/usr/lib/node_modules/pnpm/bin/pnpm.cjs", "start"] },
      70: { ppid: 60, argv: ["npm", "exec", "pnpm", "start"] },
      60: { ppid: 1, argv: ["-bash"] }
    }
    assert.deepStrictEqual(
      Signals.launcherChain(100, (pid) => procs[pid]),
      [90, 80, 70]
    )
    // run from an interactive shell (or systemd, or nohup): no launcher, nothing to watch
    assert.deepStrictEqual(
      Signals.launcherChain(100, (pid) => (pid === 100 ? { ppid: 60, argv: ["node"] } : procs[pid])),
      []
    )
    assert.isFalse(Signals.isLauncher(["bash"]))
    assert.isTrue(Signals.isLauncher(["/bin/sh", "-c", "x"]))
  })
})

describe("stop paths", () => {
  it.scopedLive(
    "SIGTERM to the process",
    () =>
      Effect.gen(function* () {
        const { config, journal, resting } = yield* setup
        const p = cli(["run", "--config", config])
        yield* quoting(p, resting)
        p.child.kill("SIGTERM")
        yield* stoppedCleanly(p, yield* p.exited, journal, resting)
      }),
    120_000
  )

  it.scopedLive(
    "SIGINT twice to the process group: the second never skips the cancels",
    () =>
      Effect.gen(function* () {
        const { config, journal, resting } = yield* setup
        const p = cli(["run", "--config", config], {}, { detached: true })
        yield* quoting(p, resting)
        process.kill(-p.child.pid!, "SIGINT")
        yield* Effect.sleep("50 millis")
        process.kill(-p.child.pid!, "SIGINT")
        const code = yield* p.exited
        assert.include(p.output(), "the stop is under way")
        yield* stoppedCleanly(p, code, journal, resting)
      }),
    120_000
  )

  it.scopedLive(
    "SIGTERM to the top of a launcher chain that passes nothing on (sh -c → sh -c → runner)",
    () =>
      Effect.gen(function* () {
        const { config, journal, resting } = yield* setup
        const inner = `${shellCli()} run --config "${config}"; true`
        const top = spawn("sh", ["-c", `sh -c '${inner}'; true`], {
          cwd: runnerRoot,
          env: { ...process.env, NO_COLOR: "1" },
          stdio: ["ignore", "pipe", "pipe"]
        })
        let out = ""
        top.stdout!.on("data", (b: Buffer) => (out += b.toString()))
        top.stderr!.on("data", (b: Buffer) => (out += b.toString()))
        yield* quoting({ child: top, output: () => out, exited: Effect.never }, resting)
        top.kill("SIGTERM")
        yield* waitUntil("the runner to finish its stop", () => out.includes("resting orders placed"), 60_000)
        assert.include(out, "verified: none of our orders rests", out)
        assert.strictEqual(yield* resting, 0, "orders still rest on the venue")
        assert.isTrue((yield* readJournal(journal)).some((e) => e.kind === "stop"))
      }),
    120_000
  )

  it.scopedLive(
    "the launcher killed outright (SIGKILL to a parent that passes nothing on): the runner stops itself",
    () =>
      Effect.gen(function* () {
        const { config, journal, resting } = yield* setup
        // a shell as the launcher, the runner its child; the runner's output comes through the shell's pipes
        const shell = spawn("sh", ["-c", `${shellCli()} run --config "${config}"; true`], {
          cwd: runnerRoot,
          env: { ...process.env, NO_COLOR: "1" },
          stdio: ["ignore", "pipe", "pipe"]
        })
        let out = ""
        shell.stdout!.on("data", (b: Buffer) => (out += b.toString()))
        shell.stderr!.on("data", (b: Buffer) => (out += b.toString()))
        const p: Proc = { child: shell, output: () => out, exited: Effect.never }
        yield* quoting(p, resting)
        shell.kill("SIGKILL")
        // the runner notices it was re-parented and stops gracefully; its pipes close when it exits
        yield* waitUntil("the runner to finish its stop", () => out.includes("resting orders placed"), 60_000)
        yield* Effect.sleep("500 millis")
        assert.include(out, "exited: stopping gracefully", out)
        assert.include(out, "verified: none of our orders rests", out)
        assert.strictEqual(yield* resting, 0, "orders still rest on the venue")
        const entries = yield* readJournal(journal)
        assert.isTrue(entries.some((e) => e.kind === "stop"))
      }),
    120_000
  )
})
