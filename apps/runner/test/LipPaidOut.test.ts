/**
 * Realised reward from paid-out programs, end to end over real HTTP: the runner (the real CLI) scores two
 * programs on a kalshi-sim, the simulator marks one paid out (`POST /_sim/control` `set_program`), the plugin's
 * read of the `paid_out` list tells the sampler, which journals it; the report — from the journal alone —
 * shows realised = payable for that program, exactly, and none for the other.
 */
import { Decimal as D } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { Entry } from "../src/Journal.js"
import * as Report from "../src/Report.js"
import { decodeStatus } from "../src/ReportLip.js"
import { cli, readJournal, tempDir, waitUntil, writeFile } from "./helpers.js"

const control = (url: string, body: object) =>
  Effect.promise(async () => (await fetch(`${url}/control`, { method: "POST", body: JSON.stringify(body) })).status)

describe("report: realised reward from programs the venue lists paid out", () => {
  it.scopedLive(
    "a scored program marked paid out shows realised = payable; one not paid out shows none",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ markets: 2, seed: 5, flow: { ratePerSec: 40 }, incentives: false })
        const [a, b] = (yield* sim.tickers) as [string, string]
        // a one-minute period with a large pool: a few seconds of scoring is over the $1.00 minimum
        const spec = (ticker: string) => ({
          ticker,
          startMs: Date.now() - 1_000,
          endMs: Date.now() + 60_000,
          periodRewardCentiCents: 10_000_000,
          targetSize: 10,
          discountFactorBps: 5000
        })
        const paid = yield* sim.incentives.addProgram(spec(a))
        const unpaid = yield* sim.incentives.addProgram(spec(b))
        const key = yield* sim.generateKey()
        const dir = tempDir()
        const journal = `${dir}/journal.sqlite`
        const config = writeFile(
          dir,
          "config.yaml",
          `venues:
  k:
    type: kalshi
    restUrl: ${sim.restUrl}
    wsUrl: ${sim.wsUrl}
    apiKeyId: ${key.keyId}
    privateKeyPath: ${writeFile(dir, "key.pem", key.privateKeyPem)}
    incentives: { refreshMs: 300, endedRefreshMs: 300 }
strategies:
  mm:
    plugin: maker
    venue: k
    markets: { limit: 2 }
    mode: liquidity
    params: { orderSize: "5", minSpreadTicks: 1 }
journal: { path: ${journal} }
run: { sampleIntervalMs: 250, sampleFlushMs: 500 }
`
        )
        const run = cli(["run", "--config", config])
        yield* Effect.addFinalizer(() => Effect.sync(() => run.child.kill("SIGKILL")))
        let entries: ReadonlyArray<Entry> = []
        const poll = (f: () => boolean) => () => {
          Effect.runFork(
            readJournal(journal).pipe(
              Effect.tap((es) => {
                entries = es
              }),
              Effect.ignore
            )
          )
          return f()
        }
        // both programs scored with a reward of our own in the journal
        const scored = (programId: string) => {
          const r = Report.compute(entries).lipPrograms.find((p) => p.programId === programId)
          return r !== undefined && r.payableReward > 0n
        }
        yield* waitUntil(
          "both programs scored over the $1.00 minimum",
          poll(() => scored(paid.id) && scored(unpaid.id)),
          30_000
        )
        assert.strictEqual(
          yield* control(sim.controlUrl, { action: "set_program", program_id: paid.id, paid_out: true }),
          200
        )
        const statusOf = (e: Entry) => (e.kind === "sample" ? decodeStatus(e.data) : undefined)
        yield* waitUntil(
          "the paid-out status journaled",
          poll(() => entries.some((e) => statusOf(e)?.programId === paid.id)),
          15_000
        )
        run.child.kill("SIGTERM")
        assert.strictEqual(yield* run.exited, 0, run.output())

        const all = yield* readJournal(journal)
        const statuses = all.flatMap((e) => {
          const s = statusOf(e)
          return s === undefined ? [] : [[e.symbol, s.programId, s.status]]
        })
        assert.deepStrictEqual(statuses, [[a, paid.id, "paid_out"]], "one entry, on the program's market")
        // the samples never said paid out: the journaled status is what the report uses
        assert.isFalse(
          all.some(
            (e) =>
              e.kind === "sample" &&
              Array.isArray(e.data["programs"]) &&
              (e.data["programs"] as ReadonlyArray<Record<string, unknown>>).some((p) => p["paidOut"] === true)
          )
        )
        const report = Report.compute(all)
        const p = report.lipPrograms.find((x) => x.programId === paid.id)!
        const q = report.lipPrograms.find((x) => x.programId === unpaid.id)!
        assert.isTrue(p.paidOut)
        assert.isTrue(p.payableReward >= D.d("1"), D.format(p.payableReward))
        assert.strictEqual(D.format(p.realisedReward!), D.format(p.payableReward))
        assert.isFalse(q.paidOut)
        assert.isTrue(q.payableReward >= D.d("1"), D.format(q.payableReward))
        assert.isUndefined(q.realisedReward)
        assert.strictEqual(D.format(report.lipTotals.realisedReward), D.format(p.payableReward))
      }),
    60_000
  )
})
