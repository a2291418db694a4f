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

  it.scoped(
    "a large flush (rows written 64 to a statement, the rest one by one) keeps every field, time and order",
    () =>
      Effect.gen(function* () {
        const file = yield* Journal.make(tempFile())
        const { journal, flush } = yield* BacktestJournal.buffered(file, 10_000)
        const n = 150 // two statements of 64 rows, then 22 rows one by one
        const entries: Array<Journal.NewEntry> = Array.from({ length: n }, (_, i) => ({
          kind: i % 2 === 0 ? "request" : "ack",
          venue: `v${i % 3}`,
          ...(i % 4 === 0 ? {} : { strategy: `s${i}` }),
          ...(i % 5 === 0 ? {} : { symbol: `M${i}` }),
          ...(i % 6 === 0 ? {} : { clientOrderId: `c${i}` }),
          ...(i % 7 === 0 ? {} : { orderId: `o${i}` }),
          ...(i % 8 === 0 ? {} : { data: { i, price: `0.${i}`, nested: { ok: i % 2 === 0 } } })
        }))
        const seqs: Array<number> = []
        for (let i = 0; i < n; i++) seqs.push(yield* at(10_000 + i, journal.append(entries[i]!)))
        yield* flush
        const back = yield* file.query()
        assert.strictEqual(back.length, n)
        assert.deepStrictEqual(
          back.map((e) => e.seq),
          seqs
        )
        back.forEach((e, i) => {
          const want = entries[i]!
          assert.deepStrictEqual(
            { ...e, seq: 0 },
            { ...want, seq: 0, ts: 10_000 + i, data: want.data ?? {} },
            `entry ${i}`
          )
        })
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
