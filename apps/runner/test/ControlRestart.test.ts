/** The control API's access rule off loopback, and a halt that carries over a restart. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { lastSeq, setup, writesAfter } from "./controlKit.js"
import { cli, waitUntil } from "./helpers.js"

describe("control API: access and restarts", () => {
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
