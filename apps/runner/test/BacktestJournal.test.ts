import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SimRuntime } from "@alpha-hunter/backtest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as BacktestJournal from "../src/BacktestJournal.js"
import * as Journal from "../src/Journal.js"

const tempFile = () => join(mkdtempSync(join(tmpdir(), "ah-btjournal-")), "journal.sqlite")

/** Runs `f` with the clock at `ms` (what a backtest's simulated clock reads then). */
const at = <A, E>(ms: number, f: Effect.Effect<A, E>) => Effect.withClock(f, new SimRuntime.SimClock(ms))

describe("BacktestJournal", () => {
  it.scoped("buffers appends with their own times; a read sees all of them; the file gets them in order", () =>
    Effect.gen(function* () {
      const path = tempFile()
      const file = yield* Journal.make(path)
      const { journal, flush } = yield* BacktestJournal.buffered(file, 1_000)
      const s1 = yield* at(1_000, journal.append({ kind: "run", venue: "*" }))
      yield* at(2_000, journal.appendAll([{ kind: "request", venue: "sim", symbol: "M1", clientOrderId: "bt-1" }]))
      const s3 = yield* at(3_000, journal.append({ kind: "ack", venue: "sim", symbol: "M1", clientOrderId: "bt-1" }))
      // nothing reached the file yet: appends are buffered
      assert.strictEqual((yield* file.query()).length, 0)
      // a read through the buffered journal writes what waits first, so it sees every append before it
      const seen = yield* journal.query({ clientOrderId: "bt-1" })
      assert.deepStrictEqual(
        seen.map((e) => [e.kind, e.ts]),
        [
          ["request", 2_000],
          ["ack", 3_000]
        ]
      )
      assert.strictEqual(yield* journal.lastTs("sim", "ack"), 3_000)
      // the sequence numbers handed out are the file's
      const all = yield* file.query()
      assert.deepStrictEqual(
        all.map((e) => e.seq),
        [s1, s1 + 1, s3]
      )
      yield* at(4_000, journal.append({ kind: "fill", venue: "sim", symbol: "M1" }))
      yield* flush
      assert.deepStrictEqual(
        (yield* file.query()).map((e) => [e.kind, e.ts]),
        [
          ["run", 1_000],
          ["request", 2_000],
          ["ack", 3_000],
          ["fill", 4_000]
        ]
      )
    })
  )

  it.scoped("writes to the file once flushEvery entries wait (memory stays flat with the tape's length)", () =>
    Effect.gen(function* () {
      const file = yield* Journal.make(tempFile())
      const { journal } = yield* BacktestJournal.buffered(file, 10)
      for (let i = 0; i < 9; i++) yield* at(i, journal.append({ kind: "sample", venue: "sim" }))
      assert.strictEqual((yield* file.query()).length, 0)
      yield* at(9, journal.append({ kind: "sample", venue: "sim" }))
      const written = yield* file.query()
      assert.strictEqual(written.length, 10)
      assert.deepStrictEqual(
        written.map((e) => e.ts),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
      )
    })
  )
})
