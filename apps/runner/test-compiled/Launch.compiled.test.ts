/**
 * The README's production entry, `node apps/runner/dist/main.js run` (the `alpha-hunter` bin), built by `pnpm
 * build`, spawned in its own process group and stopped three ways: SIGTERM to it, SIGINT to the group, SIGINT
 * twice. Nothing of ours rests on the venue, a report, the journal's `stop`, exit 0, no process left. Run with
 * `pnpm --filter @alpha-hunter/runner test:compiled` (it builds first; the compiled output is not part of
 * the CI's `pnpm test`, which runs from sources).
 */
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { afterAll, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { runAndStop, type Stop } from "../test/launchKit.js"

let scope: Scope.CloseableScope
let sim: KalshiSim.SimHandle
beforeAll(async () => {
  scope = await Effect.runPromise(Scope.make())
  sim = await Effect.runPromise(Scope.extend(KalshiSim.make({ markets: 3, seed: 17, flow: { ratePerSec: 10 } }), scope))
}, 30_000)
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

// the README's production command (the package's `alpha-hunter` bin), plain node on the compiled output
const compiled = (config: string) =>
  [process.execPath, ["apps/runner/dist/main.js", "run", "--config", config]] as const

describe("the compiled entry: `node apps/runner/dist/main.js run`", () => {
  for (const stop of [
    "SIGTERM to the top process",
    "SIGINT to the group",
    "SIGINT twice to the group"
  ] as const satisfies ReadonlyArray<Stop>) {
    it.scopedLive(stop, () => runAndStop(sim, compiled, stop, true), 90_000)
  }
})
