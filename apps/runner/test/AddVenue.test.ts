/** Adding a venue is one plugin and one registry line: the runner composes a venue written against the port alone. */
import { Decimal as D } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as App from "../src/App.js"
import * as Journal from "../src/Journal.js"
import { tempDir } from "./helpers.js"
import { toyConfig, withToy } from "./toyRun.js"

describe("adding a venue plugin", () => {
  it.scopedLive(
    "the maker quotes a venue the runner has never seen, through the production engine, and stops clean",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        // a bad section is reported with the plugin's own schema, before anything connects
        const bad = App.resolve(`${dir}/bad.yaml`, { ...toyConfig, venues: { t: { type: "toy", symbol: 1 } } }, withToy)
        assert.isTrue(Either.isLeft(bad))
        if (Either.isLeft(bad)) assert.include(bad.left.message, "venues.t.symbol")
        const resolved = Either.getOrThrow(App.resolve(`${dir}/toy.yaml`, toyConfig, withToy))
        const journal = yield* Layer.build(Journal.layer(`${dir}/j.sqlite`))
        const lines: Array<string> = []
        const handle = yield* Effect.provide(
          App.start(resolved, { log: (l) => Effect.sync(() => void lines.push(l)) }),
          journal
        )
        assert.isTrue(lines.some((l) => l.includes("toy venue: TOY-1")))
        const session = handle.sessions[0]!
        for (let i = 0; i < 200; i++) {
          const open = (yield* session.engine.live).filter((t) => t.status === "open")
          if (open.length === 2) break
          yield* Effect.sleep(20)
        }
        const quotes = (yield* session.exchange.fetchOpenOrders())
          .map((o) => `${o.side} ${D.format(o.price)} x${D.format(o.remaining)}`)
          .sort()
        assert.deepStrictEqual(quotes, ["buy 0.41 x2", "sell 0.49 x2"])
        assert.strictEqual(yield* handle.pullQuotes, 0)
        assert.strictEqual((yield* session.exchange.fetchOpenOrders()).length, 0)
      })
  )
})
