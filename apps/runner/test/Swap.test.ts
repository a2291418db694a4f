import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { cli, readJournal, tempDir, writeFile } from "./helpers.js"

// One config; each variant below changes only config text.
const base = (journal: string) => `venues:
  v:
    type: kalshi-sim
    markets: 4
    seed: 5
    flow: 20
strategies:
  s:
    plugin: maker
    venue: v
    markets: { limit: 4 }
    mode: liquidity
    params: { orderSize: "2" }
journal: { path: ${journal} }
run: { durationMs: 8000, sampleIntervalMs: 0 }
`

const paperVenue = `venues:
  v:
    type: paper
    generate: { count: 4, tick: "0.01", amountStep: "0.01", minAmount: "0.01" }
    flow: { enabled: true, intervalMillis: 20 }
`

const runConfig = (text: string) =>
  Effect.gen(function* () {
    const dir = tempDir()
    const journal = `${dir}/j.sqlite`
    const p = cli(["run", "--config", writeFile(dir, "c.yaml", text.replaceAll("JOURNAL", journal))])
    const code = yield* p.exited
    assert.strictEqual(code, 0, p.output())
    assert.include(p.output(), "verified: none of our orders rests")
    return { out: p.output(), entries: yield* readJournal(journal) }
  })

describe("swapping by config only", () => {
  it.live(
    "kalshi-sim → paper: the same strategy quotes on the other venue",
    () =>
      Effect.gen(function* () {
        const sim = yield* runConfig(base("JOURNAL"))
        const paper = yield* runConfig(base("JOURNAL").replace(/venues:\n {2}v:\n(?: {4}.*\n)+/, paperVenue))
        const acked = (es: typeof sim.entries) => es.filter((e) => e.kind === "ack" && e.data["status"] === "open")
        assert.isAbove(acked(sim.entries).length, 0)
        assert.isAbove(acked(paper.entries).length, 0)
        assert.isTrue(acked(sim.entries).every((e) => e.symbol?.startsWith("KXSIM")))
        assert.isTrue(acked(paper.entries).every((e) => e.symbol?.startsWith("PAPER")))
        assert.include(paper.out, "paper venue")
      }),
    90_000
  )

  it.live(
    "liquidity → execution: the maker works a position target instead of two-sided quotes",
    () =>
      Effect.gen(function* () {
        const text = base("JOURNAL")
          .replace(
            "mode: liquidity",
            'mode: execution\n    execution: { targets: [{ symbol: KXSIMA-26DEC31-E0-M0, position: "4" }], maxPrice: "0.99" }'
          )
          .replace("markets: { limit: 4 }", "markets: [KXSIMA-26DEC31-E0-M0]")
        const exec = yield* runConfig(text)
        const requests = exec.entries.filter((e) => e.kind === "request" && e.data["op"] === "create")
        assert.isAbove(requests.length, 0, exec.out)
        // working a long target: only buys, only in the target's market
        assert.isTrue(
          requests.every((e) => e.data["side"] === "buy" && e.symbol === "KXSIMA-26DEC31-E0-M0"),
          exec.out
        )
      }),
    90_000
  )
})
