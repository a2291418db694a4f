/** `pnpm sim` (= `alpha-hunter sim`) and the shipped external-sim config: the printed hint works as printed. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { cli, tempDir, waitUntil } from "./helpers.js"

describe("the simulator CLI", () => {
  it.scopedLive(
    "prints a command that points a bot at it with the shipped external-sim config, and that command runs",
    () =>
      Effect.gen(function* () {
        const sim = cli(["sim", "--markets", "3", "--flow-rate", "2", "--seed", "7"])
        yield* Effect.addFinalizer(() => Effect.sync(() => sim.child.kill("SIGTERM")))
        yield* waitUntil("the simulator to print its hint", () => sim.output().includes("pnpm start --config"), 60_000)
        const hint =
          /\n {2}(KALSHI_REST_URL=\S+ KALSHI_WS_URL=\S+ KALSHI_API_KEY_ID=\S+ KALSHI_PRIVATE_KEY_PATH=\S+) pnpm start --config (\S+)/.exec(
            sim.output()
          )
        assert.isNotNull(hint, sim.output())
        assert.include(sim.output(), "(3 markets, seed 7)")
        const env = Object.fromEntries(
          hint![1]!.split(" ").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])
        )
        const bot = cli(["run", "--config", hint![2]!], { ...env, ALPHA_HUNTER_JOURNAL: `${tempDir()}/j.sqlite` })
        yield* waitUntil("the bot to quote", () => /resting [1-9]/.test(bot.output()), 60_000)
        bot.child.kill("SIGTERM")
        assert.strictEqual(yield* bot.exited, 0, bot.output())
        assert.include(bot.output(), "verified: none of our orders rests")
      }),
    120_000
  )
})
