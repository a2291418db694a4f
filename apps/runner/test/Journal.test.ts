import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import Database from "libsql"
import * as Journal from "../src/Journal.js"

const tempFile = () => join(mkdtempSync(join(tmpdir(), "ah-journal-")), "journal.sqlite")

describe("Journal", () => {
  it.live("appends, queries and survives reopening", () =>
    Effect.gen(function* () {
      const path = tempFile()
      yield* Effect.gen(function* () {
        const j = yield* Journal.Journal
        const s1 = yield* j.append({ kind: "run", venue: "sim", data: { config: "x" } })
        const s2 = yield* j.append({
          kind: "request",
          venue: "sim",
          symbol: "M1",
          clientOrderId: "ah-1",
          data: { price: "0.5600", amount: "10.00" }
        })
        assert.isTrue(s2 > s1)
        yield* j.appendAll([
          { kind: "ack", venue: "sim", symbol: "M1", clientOrderId: "ah-1", orderId: "o1" },
          { kind: "fill", venue: "sim", symbol: "M1", clientOrderId: "ah-1", orderId: "o1", data: { amount: "1.00" } }
        ])
      }).pipe(Effect.provide(Journal.layer(path)))

      const entries = yield* Effect.gen(function* () {
        const j = yield* Journal.Journal
        return {
          all: yield* j.query(),
          byId: yield* j.query({ clientOrderId: "ah-1" }),
          fills: yield* j.query({ kinds: ["fill"] }),
          last: yield* j.lastSeq
        }
      }).pipe(Effect.provide(Journal.layer(path)))
      assert.deepStrictEqual(
        entries.all.map((e) => e.kind),
        ["run", "request", "ack", "fill"]
      )
      assert.strictEqual(entries.byId.length, 3)
      assert.deepStrictEqual(entries.byId[0]!.data, { price: "0.5600", amount: "10.00" })
      assert.strictEqual(entries.fills[0]!.orderId, "o1")
      assert.strictEqual(entries.last, entries.all[3]!.seq)
    })
  )

  it.live("finds unsettled creates and the last fill in SQL, without reading the history", () =>
    Effect.gen(function* () {
      const j = yield* Journal.Journal
      const req = (cid: string, op = "create") =>
        ({ kind: "request", venue: "sim", symbol: "M1", clientOrderId: cid, data: { op } }) as const
      yield* j.appendAll([
        req("c-acked"),
        { kind: "ack", venue: "sim", clientOrderId: "c-acked" },
        { kind: "risk", venue: "sim", clientOrderId: "c-lost", data: { decision: "approved" } },
        req("c-lost"),
        { kind: "unknown", venue: "sim", clientOrderId: "c-lost" },
        req("c-lookup-failed"),
        { kind: "resolved", venue: "sim", clientOrderId: "c-lookup-failed", data: { status: "lookup_failed" } },
        req("c-not-found"),
        { kind: "resolved", venue: "sim", clientOrderId: "c-not-found", data: { status: "not_found" } },
        req("c-cancel", "cancel"),
        { ...req("c-other-venue"), venue: "paper" }
      ])
      assert.deepStrictEqual(
        (yield* j.unsettledCreates("sim")).map((u) => u.clientOrderId),
        ["c-lost", "c-lookup-failed"]
      )
      assert.strictEqual(yield* j.lastTs("sim", "fill"), undefined)
      yield* j.append({ kind: "fill", venue: "sim", data: { tradeId: "t1" } })
      assert.isNumber(yield* j.lastTs("sim", "fill"))
      assert.strictEqual(yield* j.lastTs("paper", "fill"), undefined)
    }).pipe(Effect.provide(Journal.layer(tempFile())))
  )

  it.live("a bulk journal (a backtest's) answers reads unindexed while it loads and has its indexes once closed", () =>
    Effect.gen(function* () {
      const path = tempFile()
      const indexes = () => {
        const db = new Database(path, { readonly: true })
        const names = (
          db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as Array<{ name: string }>
        )
          .map((r) => r.name)
          .filter((n) => n.startsWith("journal_"))
          .sort()
        db.close()
        return names
      }
      yield* Effect.scoped(
        Effect.gen(function* () {
          const j = yield* Journal.make(path, { bulk: true })
          yield* j.appendTimed([
            {
              ts: 1,
              entry: { kind: "request", venue: "sim", symbol: "M1", clientOrderId: "ah-1", data: { op: "create" } }
            },
            { ts: 2, entry: { kind: "ack", venue: "sim", symbol: "M1", clientOrderId: "ah-1", orderId: "o1" } }
          ])
          assert.deepStrictEqual(indexes(), [])
          assert.deepStrictEqual(
            (yield* j.query({ clientOrderId: "ah-1" })).map((e) => e.kind),
            ["request", "ack"]
          )
        })
      )
      assert.deepStrictEqual(indexes(), ["journal_coid", "journal_kind_ts"])
      // and it opens again as any journal
      const again = yield* Effect.scoped(Effect.flatMap(Journal.make(path), (j) => j.query()))
      assert.strictEqual(again.length, 2)
    })
  )

  it.live("a bulk journal writes its batches on a thread of its own, in order; reads wait for it", () =>
    Effect.gen(function* () {
      const path = tempFile()
      const batch = (from: number, n: number): Array<Journal.TimedEntry> =>
        Array.from({ length: n }, (_, i) => ({
          ts: from + i,
          entry: { kind: "fill", venue: "sim", symbol: "M1", clientOrderId: `ah-${from + i}`, data: { n: from + i } }
        }))
      yield* Effect.scoped(
        Effect.gen(function* () {
          const j = yield* Journal.make(path, { bulk: true })
          // every batch through the writer, started with the file (200 rows: three full multi-row statements and
          // eight single rows each)
          for (let b = 0; b < 5; b++) yield* j.appendTimed(batch(b * 200, 200))
          // a read waits for the writer: it sees every row sent before it, numbered in the order sent
          assert.strictEqual(yield* j.lastSeq, 1000)
          yield* j.appendTimed(batch(1000, 5))
          const all = yield* j.query()
          assert.deepStrictEqual(
            all.map((e) => [e.seq, e.ts, e.clientOrderId]),
            Array.from({ length: 1005 }, (_, i) => [i + 1, i, `ah-${i}`])
          )
          // then once more: sent after the read, written before the scope closes
          yield* j.appendTimed(batch(1005, 70))
        })
      )
      const again = yield* Effect.scoped(Effect.flatMap(Journal.make(path), (j) => j.query()))
      assert.strictEqual(again.length, 1075)
      assert.deepStrictEqual(again.at(-1)?.data, { n: 1074 })
    })
  )

  it.live("a bulk writer that fails stops writing, and the next append or read is a JournalError saying why", () =>
    Effect.gen(function* () {
      const path = tempFile()
      const one = (ts: number): Array<Journal.TimedEntry> => [{ ts, entry: { kind: "run", venue: "sim" } }]
      const failure = yield* Effect.scoped(
        Effect.gen(function* () {
          const j = yield* Journal.make(path, { bulk: true })
          yield* j.appendTimed(one(1)) // the writer's first batch (it started with the file)
          yield* j.appendTimed(one(2))
          assert.strictEqual(yield* j.lastSeq, 2)
          // the table goes away under it: its next batch fails
          const other = new Database(path)
          other.exec("DROP TABLE journal")
          other.close()
          yield* j.appendTimed(one(3))
          const read = yield* Effect.flip(j.lastSeq)
          // and from then on, appends fail at once too (nothing is written after a failed batch)
          const append = yield* Effect.flip(j.appendTimed(one(4)))
          return [read, append] as const
        })
      )
      for (const e of failure) {
        assert.strictEqual(e._tag, "JournalError")
        assert.include(e.message, "cannot append 1 entries")
        assert.include(e.message, "no such table")
      }
    })
  )

  it.live("an unwritable path is a JournalError naming the path", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "ah-journal-"))
      const blocker = join(dir, "file")
      writeFileSync(blocker, "")
      const bad = join(blocker, "journal.sqlite") // parent is a file
      const r = yield* Effect.flip(Effect.provide(Journal.Journal, Journal.layer(bad)))
      assert.strictEqual(r._tag, "JournalError")
      assert.include(r.message, bad)
    })
  )

  it.live("loses no committed entry when the writer is killed with SIGKILL", () =>
    Effect.gen(function* () {
      const path = tempFile()
      const runnerRoot = resolve(import.meta.dirname, "..")
      // a child process appends as fast as it can and reports each committed seq on stdout
      const script = `
        import * as Effect from "effect/Effect"
import Database from "libsql"
        import * as Journal from "./src/Journal.ts"
        const program = Effect.gen(function* () {
          const j = yield* Journal.Journal
          for (let i = 0; ; i++) {
            const seq = yield* j.append({ kind: "request", venue: "sim", clientOrderId: "c" + i })
            process.stdout.write(seq + "\\n")
          }
        })
        Effect.runPromise(Effect.provide(program, Journal.layer(${JSON.stringify(path)})))
      `
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "--conditions=@alpha-hunter/source", "--input-type=module", "-e", script],
        {
          cwd: runnerRoot,
          stdio: ["ignore", "pipe", "pipe"]
        }
      )
      let out = ""
      let err = ""
      child.stdout.on("data", (b: Buffer) => {
        out += b.toString()
      })
      child.stderr.on("data", (b: Buffer) => {
        err += b.toString()
      })
      yield* Effect.async<void>((resume) => {
        const t = setInterval(() => {
          if (out.split("\n").length > 300 || child.exitCode !== null) {
            clearInterval(t)
            resume(Effect.void)
          }
        }, 10)
      })
      assert.isNull(child.exitCode, err)
      child.kill("SIGKILL")
      yield* Effect.async<void>((resume) => {
        child.on("exit", () => resume(Effect.void))
      })
      const acknowledged = out
        .split("\n")
        .filter((l) => l.length > 0)
        .map(Number)
      const lastAck = acknowledged[acknowledged.length - 1]!
      const rows = yield* Effect.provide(
        Effect.flatMap(Journal.Journal, (j) => j.query()),
        Journal.layer(path)
      )
      // every entry the writer saw committed is there, in order, with no gaps
      assert.isTrue(rows.length >= lastAck, `${rows.length} rows, last acknowledged ${lastAck}`)
      for (const [i, r] of rows.entries()) {
        assert.strictEqual(r.seq, i + 1)
        assert.strictEqual(r.clientOrderId, `c${i}`)
      }
    })
  )
})
