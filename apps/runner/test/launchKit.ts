/**
 * Launching a documented command as a user does (its own process group, from the repository root) and
 * stopping it as an operator does; shared by the launch tests (sources through `npx pnpm start`, and the
 * compiled entry).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { resolve } from "node:path"
import type { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { readJournal, simBot, waitUntil } from "./helpers.js"

export const repoRoot = resolve(import.meta.dirname, "../../..")

interface Group {
  readonly top: ChildProcess
  readonly output: () => string
  /** the top process's exit code (null: killed by a signal) */
  readonly exited: Effect.Effect<number | null>
}

/** Starts a command in its own process group, from the repository root, as a user would type it. */
const launch = (command: string, args: ReadonlyArray<string>): Group => {
  const top = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true
  })
  let out = ""
  top.stdout!.on("data", (b: Buffer) => (out += b.toString()))
  top.stderr!.on("data", (b: Buffer) => (out += b.toString()))
  const exited = Effect.async<number | null>((resume) => {
    if (top.exitCode !== null || top.signalCode !== null) resume(Effect.succeed(top.exitCode))
    else top.once("exit", (code) => resume(Effect.succeed(code)))
  })
  return { top, output: () => out, exited }
}

/** True while any process of the group lives. */
const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

export type Stop = "SIGTERM to the top process" | "SIGINT to the group" | "SIGINT twice to the group"

export const runAndStop = (
  sim: KalshiSim.SimHandle,
  commandOf: (config: string) => readonly [string, ReadonlyArray<string>],
  stop: Stop,
  /** the top process is the bot itself (no launcher): it must exit 0 whatever the signal */
  topIsBot = false
) =>
  Effect.gen(function* () {
    const { config, journal, resting } = yield* simBot({ markets: 3, seed: 17, flowPerSec: 10, sim })
    const [command, args] = commandOf(config)
    const g = launch(command, args)
    const pgid = g.top.pid!
    yield* Effect.addFinalizer(() => Effect.sync(() => groupAlive(pgid) && process.kill(-pgid, "SIGKILL")))
    yield* waitUntil("the run to start", () => g.output().includes("running —"), 60_000)
    for (let i = 0; i < 100 && (yield* resting) === 0; i++) yield* Effect.sleep("100 millis")
    assert.isAbove(yield* resting, 0, "nothing rested before the stop")
    if (stop === "SIGTERM to the top process") g.top.kill("SIGTERM")
    else {
      process.kill(-pgid, "SIGINT")
      if (stop === "SIGINT twice to the group") {
        yield* Effect.sleep("50 millis")
        process.kill(-pgid, "SIGINT")
      }
    }
    const code = yield* g.exited
    yield* waitUntil("every process of the group to exit", () => !groupAlive(pgid), 30_000)
    const out = g.output()
    assert.include(out, "verified: none of our orders rests", out)
    assert.include(out, "resting orders placed", out) // the report
    assert.notInclude(out, "FORCED EXIT", out)
    assert.notInclude(out, "Command failed", out)
    // The bot exits 0: pnpm, its parent, reports any other exit of it ("ELIFECYCLE Command failed with exit
    // code N"), and there is none. The top process is npm's npx: sent SIGTERM itself it dies of it; on a
    // group SIGINT it re-raises the signal after its child exited (npm's own convention, the shell shows 130) —
    // it never waits on a survivor: the group is empty above.
    if (topIsBot) assert.strictEqual(code, 0, out)
    assert.isTrue(
      code === 0 || g.top.signalCode === (stop === "SIGTERM to the top process" ? "SIGTERM" : "SIGINT"),
      `npx exited ${code} (${g.top.signalCode})`
    )
    assert.strictEqual(yield* resting, 0, "orders still rest on the venue")
    assert.isTrue(
      (yield* readJournal(journal)).some((e) => e.kind === "stop"),
      "no stop entry in the journal"
    )
  })
