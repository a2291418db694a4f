/**
 * The README's quick-start command, `npx -y pnpm@10.34.9 start`, spawned as a user runs it (npx → pnpm → the
 * bot, its own process group) and stopped the three ways an operator (Docker, pm2, systemd, a terminal) stops
 * it: SIGTERM to the top process, SIGINT to the whole group (Ctrl-C), SIGINT twice. Every time: nothing of
 * ours rests on the venue, the report is printed, the journal has its `stop`, the bot exits 0 (pnpm reports
 * no failure), no process of the group survives. One simulator serves every run (each with its own key and
 * journal). The compiled production entry runs through the same checks in `test-compiled/` (`pnpm
 * --filter @alpha-hunter/runner test:compiled`: it needs `pnpm build` first).
 */
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { afterAll, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { runAndStop, type Stop } from "./launchKit.js"

let scope: Scope.CloseableScope
let sim: KalshiSim.SimHandle
beforeAll(async () => {
  scope = await Effect.runPromise(Scope.make())
  sim = await Effect.runPromise(Scope.extend(KalshiSim.make({ markets: 3, seed: 17, flow: { ratePerSec: 10 } }), scope))
}, 30_000)
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

const npxPnpmStart = (config: string) => ["npx", ["-y", "pnpm@10.34.9", "start", "--config", config]] as const

describe("the README's `npx -y pnpm@10.34.9 start`", () => {
  for (const stop of [
    "SIGTERM to the top process",
    "SIGINT to the group",
    "SIGINT twice to the group"
  ] as const satisfies ReadonlyArray<Stop>) {
    it.scopedLive(stop, () => runAndStop(sim, npxPnpmStart, stop), 90_000)
  }
})
