import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { Tape, TapeReader, TapeWriter } from "../src/index.js"

const meta = { venue: "kalshi", source: "test", symbols: ["A"] }
const frame = (t: number, seq: number) =>
  Tape.frameRecord(t, `{"type":"orderbook_delta","sid":1,"seq":${seq},"msg":{"market_ticker":"A"}}`)
const dirOf = () => mkdtempSync(join(tmpdir(), "tape-"))
const all = (dir: string) => Effect.map(TapeReader.open(dir), (r) => [...r.records()])

describe("tape", () => {
  it.scoped("writes chunks and reads them back in order, with sid and seq lifted out", () =>
    Effect.gen(function* () {
      const dir = dirOf()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const w = yield* TapeWriter.make(dir, { meta, chunkRecords: 10 })
          for (let i = 1; i <= 25; i++) yield* w.append(frame(1000 + i, i))
          const s = yield* w.stats
          assert.isTrue(s.chunks >= 3)
        })
      )
      const recs = yield* all(dir)
      assert.strictEqual(recs[0]!.k, "meta")
      const frames = recs.filter((r) => r.k === "frame")
      assert.deepStrictEqual(
        frames.map((r) => (r.k === "frame" ? r.seq : -1)),
        Array.from({ length: 25 }, (_, i) => i + 1)
      )
      assert.strictEqual(frames[0]!.k === "frame" ? frames[0]!.sid : 0, 1)
      const index = JSON.parse(readFileSync(join(dir, Tape.INDEX), "utf8")) as Tape.Index
      assert.strictEqual(index.files.length, 1)
      assert.strictEqual(index.files[0]!.records, 26)
      assert.strictEqual(index.files[0]!.to, 1025)
    })
  )

  it.scoped("a torn last chunk is skipped by readers (as a gap) and cut off by a resuming writer", () =>
    Effect.gen(function* () {
      const dir = dirOf()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const w = yield* TapeWriter.make(dir, { meta, chunkRecords: 5 })
          for (let i = 1; i <= 10; i++) yield* w.append(frame(1000 + i, i))
        })
      )
      const file = join(dir, Tape.fileName(1))
      const goodSize = statSync(file).size
      // a crash in the middle of a chunk: a header announcing 500 bytes, then 7 of them
      appendFileSync(file, Buffer.from([0, 0, 1, 244, 31, 139, 8, 0, 0, 0, 0]))
      const torn = yield* all(dir)
      const gaps = torn.filter((r) => r.k === "gap")
      assert.strictEqual(gaps.length, 1)
      assert.match(gaps[0]!.k === "gap" ? gaps[0]!.reason : "", /torn chunk/)
      assert.strictEqual(torn.filter((r) => r.k === "frame").length, 10)

      // the writer resumes: cuts the tail, starts a new file, says data is missing
      yield* Effect.scoped(
        Effect.gen(function* () {
          const w = yield* TapeWriter.make(dir, { meta })
          assert.strictEqual((yield* w.stats).tornCut, 1)
          yield* w.append(frame(2000, 11))
        })
      )
      assert.strictEqual(statSync(file).size, goodSize)
      assert.deepStrictEqual(
        readdirSync(dir)
          .filter((n) => n.endsWith(".aht"))
          .sort(),
        [Tape.fileName(1), Tape.fileName(2)]
      )
      const after = yield* all(dir)
      const reasons = after.filter((r) => r.k === "gap").map((r) => (r.k === "gap" ? r.reason : ""))
      assert.deepStrictEqual(reasons.length, 1)
      assert.match(reasons[0]!, /recorder restarted/)
      assert.strictEqual(after.filter((r) => r.k === "frame").length, 11)
    })
  )

  it.scoped("rotates files by size; the index names each with its span", () =>
    Effect.gen(function* () {
      const dir = dirOf()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const w = yield* TapeWriter.make(dir, { meta, chunkRecords: 20, rotateBytes: 600, level: 1 })
          for (let i = 1; i <= 200; i++) yield* w.append(frame(1000 + i, i))
        })
      )
      const index = JSON.parse(readFileSync(join(dir, Tape.INDEX), "utf8")) as Tape.Index
      assert.isTrue(index.files.length >= 3)
      for (let i = 1; i < index.files.length; i++) assert.isTrue(index.files[i]!.from >= index.files[i - 1]!.to)
      const recs = yield* all(dir)
      assert.strictEqual(recs.filter((r) => r.k === "frame").length, 200)
      assert.strictEqual(recs.filter((r) => r.k === "meta").length, index.files.length)
    })
  )

  it.effect("a missing or foreign directory is a one-line TapeError", () =>
    Effect.gen(function* () {
      const missing = yield* Effect.exit(TapeReader.open("/nonexistent/tape"))
      assert.isTrue(Exit.isFailure(missing))
      const dir = dirOf()
      appendFileSync(join(dir, Tape.fileName(1)), "not a tape")
      const r = yield* Effect.flip(TapeReader.open(dir))
      assert.strictEqual(r._tag, "TapeError")
      assert.match(r.message, /not a tape file/)
      assert.notInclude(r.message, "\n")
    })
  )

  it.scoped(
    "compressed on the thread pool: the same tape, chunk by chunk, rotated, the last chunk written on close",
    () =>
      Effect.gen(function* () {
        const dir = dirOf()
        yield* Effect.scoped(
          Effect.gen(function* () {
            const w = yield* TapeWriter.make(dir, {
              meta,
              compress: "thread",
              chunkRecords: 20,
              rotateBytes: 600,
              flushEvery: "10 millis",
              level: 1
            })
            // appends from two fibers while the periodic flush runs: every record lands once, in each fiber's order
            yield* Effect.all(
              [
                Effect.forEach(
                  Array.from({ length: 100 }, (_, i) => i + 1),
                  (i) => w.append(frame(1000 + i, i))
                ),
                Effect.forEach(
                  Array.from({ length: 100 }, (_, i) => i + 1),
                  (i) => w.append(Tape.frameRecord(1000 + i, `{"type":"trade","sid":2,"seq":${i},"msg":{}}`))
                )
              ],
              { concurrency: 2 }
            )
            const s = yield* w.stats
            assert.isTrue(s.files > 1, `files ${s.files}`)
            // the last ones are still buffered: the scope's close writes them
          })
        )
        const recs = yield* all(dir)
        const bySid = (sid: number) => recs.flatMap((r) => (r.k === "frame" && r.sid === sid ? [r.seq] : []))
        assert.deepStrictEqual(
          bySid(1),
          Array.from({ length: 100 }, (_, i) => i + 1)
        )
        assert.deepStrictEqual(
          bySid(2),
          Array.from({ length: 100 }, (_, i) => i + 1)
        )
        const index = JSON.parse(readFileSync(join(dir, Tape.INDEX), "utf8")) as Tape.Index
        assert.strictEqual(index.files.length, readdirSync(dir).filter((n) => n.endsWith(".aht")).length)
        assert.strictEqual(
          index.files.reduce((n, f) => n + f.records, 0),
          recs.length
        )
        // every file starts with its meta record
        for (const f of index.files) {
          const first = [...TapeReader.fileRecords(join(dir, f.file))][0]!
          assert.strictEqual(first.k, "meta")
        }
      })
  )
})
