/** The standalone recorder (`pnpm cli record`) on a real socket: a `seq` gap is a gap on the tape, then fresh snapshots. */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { TapeReader } from "@alpha-hunter/tape"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ConfigFile from "../src/ConfigFile.js"
import { frameType, tickerOf } from "../src/internal/tapeSeq.js"
import { registry } from "../src/Plugins.js"
import * as Record from "../src/Record.js"
import { resolve } from "../src/Resolve.js"
import { makerYaml, tempDir } from "./helpers.js"

const config = (sim: KalshiSim.SimHandle, keyId: string, keyPath: string) => `
venues:
  k:
    type: kalshi
    restUrl: ${sim.restUrl}
    wsUrl: ${sim.wsUrl}
    apiKeyId: ${keyId}
    privateKeyPath: ${keyPath}
${makerYaml("k", 2)}`

describe("the standalone recorder", () => {
  it.scopedLive(
    "a seq gap on the book subscription is written as a gap naming its markets, and fresh snapshots of them follow",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ port: 0, seed: 9, markets: 2, flow: { ratePerSec: 40 } })
        const key = yield* sim.generateKey()
        const dir = tempDir()
        const keyPath = join(dir, "key.pem")
        writeFileSync(keyPath, key.privateKeyPem, { mode: 0o600 })
        const file = join(dir, "rec.yaml")
        writeFileSync(file, config(sim, key.keyId, keyPath))
        const raw = yield* ConfigFile.readFile(file)
        const r = yield* Either.match(resolve(file, raw, registry), { onLeft: Effect.fail, onRight: Effect.succeed })
        const tape = join(dir, "tape")
        const stats = yield* Effect.scoped(
          Effect.gen(function* () {
            const h = yield* Record.start(r, {
              dir: tape,
              markets: { status: "open", limit: 2 },
              log: () => Effect.void
            })
            yield* Effect.sleep("1500 millis")
            // a skip lands on whichever subscription sends next (mostly books, under this flow): six of them
            for (let i = 0; i < 6; i++) {
              yield* sim.faults.skipSeq(1)
              yield* Effect.sleep("400 millis")
            }
            yield* Effect.sleep("1 second")
            return yield* h.stats
          })
        )
        const reader = yield* TapeReader.open(tape)
        const recs = [...reader.records()]
        const gaps = recs.flatMap((x, i) => (x.k === "gap" ? [{ gap: x, at: i }] : []))
        assert.strictEqual(gaps.length, stats.gaps)
        assert.isTrue(gaps.length >= 1 && gaps.length <= 6, `gaps: ${gaps.length}`)
        for (const { gap } of gaps) assert.match(gap.reason, /^seq gap on [a-z_0-9]+ \(sid \d+\): \d+ → \d+$/)
        const books = gaps.filter(({ gap }) => gap.reason.startsWith("seq gap on orderbook_delta"))
        assert.isTrue(books.length > 0, gaps.map(({ gap }) => gap.reason).join("; "))
        // every market a book gap names gets a fresh snapshot after it
        for (const { gap, at } of books) {
          assert.isTrue(gap.symbols !== undefined && gap.symbols.length > 0)
          const after = new Set(
            recs
              .slice(at)
              .flatMap((x) => (x.k === "frame" && frameType(x.raw) === "orderbook_snapshot" ? [tickerOf(x.raw)] : []))
          )
          for (const s of gap.symbols ?? []) assert.isTrue(after.has(s), `no snapshot of ${s} after the gap`)
        }
      }),
    30_000
  )
})
