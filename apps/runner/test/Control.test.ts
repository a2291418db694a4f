import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { cli, readJournal, simBot, waitUntil } from "./helpers.js"

const setup = (control = "") => simBot({ markets: 3, seed: 9, flowPerSec: 5, extra: control })

const writesAfter = (journal: string, seq: number) =>
  Effect.map(
    readJournal(journal),
    (es) => es.filter((e) => e.seq > seq && e.kind === "request" && e.data["op"] !== "cancel").length
  )
const lastSeq = (journal: string) => Effect.map(readJournal(journal), (es) => es[es.length - 1]?.seq ?? 0)

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

  it.scopedLive(
    "off loopback a token is required: none configured refuses to start; calls without it get 401",
    () =>
      Effect.gen(function* () {
        const bare = yield* setup("control: { host: 0.0.0.0 }\n")
        const refused = cli(["run", "--config", bare.config])
        assert.strictEqual(yield* refused.exited, 1, refused.output())
        assert.include(refused.output(), "is not loopback: set control.token")

        const token = "a-long-enough-control-token"
        const guarded = yield* setup(`control: { host: 0.0.0.0, token: ${token} }\n`)
        const bot = cli(["run", "--config", guarded.config])
        yield* waitUntil("the control address", () => /control: http:\/\/[^ ]+/.test(bot.output()), 60_000)
        const url = /control: (http:\/\/[^ ]+)/.exec(bot.output())![1]!.replace("0.0.0.0", "127.0.0.1")
        const anonymous = yield* Effect.promise(() => fetch(`${url}/halt`, { method: "POST", body: "{}" }))
        assert.strictEqual(anonymous.status, 401)
        const withToken = yield* Effect.promise(() =>
          fetch(`${url}/status`, { headers: { authorization: `Bearer ${token}` } })
        )
        assert.strictEqual(withToken.status, 200)
        // the CLI finds the address and the token next to the journal
        const st = cli(["status", "--config", guarded.config])
        assert.strictEqual(yield* st.exited, 0, st.output())
        bot.child.kill("SIGTERM")
        assert.strictEqual(yield* bot.exited, 0, bot.output())
      }),
    120_000
  )

  it.scopedLive(
    "a halt from earlier today carries over a restart: the bot starts halted, says why, sends nothing until resumed",
    () =>
      Effect.gen(function* () {
        const { config, journal } = yield* setup()
        const first = cli(["run", "--config", config])
        yield* waitUntil("the run to start", () => first.output().includes("control: "), 60_000)
        const halted = cli(["halt", "--config", config, "--reason", "maintenance"])
        assert.strictEqual(yield* halted.exited, 0, halted.output())
        first.child.kill("SIGTERM")
        assert.strictEqual(yield* first.exited, 0, first.output())

        const second = cli(["run", "--config", config])
        yield* waitUntil("the second run to start", () => second.output().includes("control: "), 60_000)
        assert.match(
          second.output(),
          /global: ACTIVE → HALTED \(still in force from earlier today: halted: maintenance/
        )
        const mark = yield* lastSeq(journal)
        yield* Effect.sleep("3 seconds")
        assert.strictEqual(yield* writesAfter(journal, mark), 0, "orders were sent while halted")
        const st = cli(["status", "--config", config])
        assert.strictEqual(yield* st.exited, 0, st.output())
        assert.include(JSON.parse(st.output()).scopes[0].reason, "maintenance")
        const resumed = cli(["resume", "--config", config])
        assert.strictEqual(yield* resumed.exited, 0, resumed.output())
        yield* waitUntil("quotes after resume", () => /resting [1-9]/.test(second.output()), 30_000)
        second.child.kill("SIGTERM")
        assert.strictEqual(yield* second.exited, 0, second.output())
      }),
    120_000
  )
})
