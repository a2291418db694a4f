import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { lastSeq, setup, writesAfter } from "./controlKit.js"
import { cli, readJournal, tempDir, waitUntil, writeFile } from "./helpers.js"

describe("control API", () => {
  it.scopedLive(
    "status; pause stops new orders, resume restarts them; cancel-all halts the bot and nothing rests; all journaled",
    () =>
      Effect.gen(function* () {
        const { config, journal, resting } = yield* setup()
        const bot = cli(["run", "--config", config])
        yield* waitUntil("the run to start", () => bot.output().includes("running —"), 60_000)
        yield* waitUntil("orders resting", () => /resting [1-9]/.test(bot.output()), 30_000)

        // status, until it shows orders resting (the flow fills our quotes now and then)
        let doc: { state: string; venues: ReadonlyArray<{ venue: string; resting: number; markets: number }> } = {
          state: "",
          venues: []
        }
        for (let i = 0; i < 20 && (doc.venues[0]?.resting ?? 0) === 0; i++) {
          const st = cli(["status", "--config", config])
          assert.strictEqual(yield* st.exited, 0, st.output())
          doc = JSON.parse(st.output())
        }
        assert.strictEqual(doc.state, "ACTIVE")
        assert.strictEqual(doc.venues[0]!.venue, "k")
        assert.strictEqual(doc.venues[0]!.markets, 3)
        assert.isAbove(doc.venues[0]!.resting, 0)
        // the control commands read the journal path alone: a config broken since the bot started (a bad
        // strategy section) still reaches the bot
        const edited = writeFile(
          tempDir(),
          "edited.yaml",
          `journal: { path: ${journal} }\nstrategies: { mm: { plugin: nope } }\n`
        )
        const stEdited = cli(["status", "--config", edited])
        assert.strictEqual(yield* stEdited.exited, 0, stEdited.output())
        assert.strictEqual(JSON.parse(stEdited.output()).state, "ACTIVE")

        const paused = cli(["pause", "--config", config, "--reason", "lunch"])
        assert.strictEqual(yield* paused.exited, 0, paused.output())
        yield* Effect.sleep("1 second") // a decision in flight finishes
        const mark = yield* lastSeq(journal)
        yield* Effect.sleep("3 seconds") // the book keeps moving (flow): the maker would requote
        assert.strictEqual(yield* writesAfter(journal, mark), 0, "orders were sent while paused")

        const resumed = cli(["resume", "--config", config])
        assert.strictEqual(yield* resumed.exited, 0, resumed.output())
        const mark2 = yield* lastSeq(journal)
        yield* waitUntil(
          "an order write after resume",
          () =>
            Effect.runSync(
              Effect.either(writesAfter(journal, mark2)).pipe(Effect.map((e) => e._tag === "Right" && e.right > 0))
            ),
          15_000
        ).pipe(Effect.catchAll(() => Effect.void))
        assert.isAbove(yield* writesAfter(journal, mark2), 0, "nothing was sent after resume")

        const cancel = cli(["cancel-all", "--config", config])
        assert.strictEqual(yield* cancel.exited, 0, cancel.output())
        assert.include(cancel.output(), "the running bot is halted")
        for (let i = 0; i < 30 && (yield* resting) > 0; i++) yield* Effect.sleep("200 millis")
        assert.strictEqual(yield* resting, 0, "orders rest after cancel-all")
        const after = cli(["status", "--config", config])
        assert.strictEqual(yield* after.exited, 0, after.output())
        assert.include(JSON.parse(after.output()).state, "HALTED")

        const entries = yield* readJournal(journal)
        const actions = entries.filter((e) => e.kind === "control").map((e) => e.data["action"])
        assert.deepStrictEqual(actions, ["pause", "resume", "cancel-all"])
        bot.child.kill("SIGTERM")
        assert.strictEqual(yield* bot.exited, 0, bot.output())
      }),
    120_000
  )
})
