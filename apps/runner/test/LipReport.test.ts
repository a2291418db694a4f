/**
 * The report end to end through the CLI on the embedded simulator (an in-process venue): a run killed with
 * SIGKILL, a gap and a second run — the liquidity figure does not count the gap; the LIP section comes from
 * the sampler's journaled aggregates (each market's own program); `/metrics` has the LIP gauges; `report`
 * reads a journal without credentials and says so in one line when there is none.
 */
import { Decimal as D } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Report from "../src/Report.js"
import { cli, readJournal, tempDir, waitUntil, writeFile } from "./helpers.js"

const config = (dir: string, journal: string, durationMs: number) =>
  writeFile(
    dir,
    `c-${durationMs}.yaml`,
    `venues:
  sim: { type: kalshi-sim, markets: 3, seed: 11, flow: 20 }
strategies:
  mm:
    plugin: maker
    venue: sim
    markets: { limit: 3 }
    mode: liquidity
    params: { orderSize: "5", minSpreadTicks: 1 }
journal: { path: ${journal} }
metrics: { port: 0 }
run: { durationMs: ${durationMs}, sampleIntervalMs: 1000, sampleFlushMs: 1000 }
`
  )

describe("report: LIP section and honest liquidity through the CLI", () => {
  it.live(
    "SIGKILL, a gap and a second run: the gap is not counted; LIP rows per program; gauges from the start",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        const journal = `${dir}/j.sqlite`
        const first = cli(["run", "--config", config(dir, journal, 0)])
        yield* waitUntil(
          "the metrics endpoint",
          () => /metrics: http:\/\/[\d.]+:\d+\/metrics/.test(first.output()),
          60_000
        )
        const url = /metrics: (http:\/\/[\d.]+:\d+\/metrics)/.exec(first.output())![1]!
        let metrics = ""
        yield* waitUntil(
          "the LIP gauges",
          () => {
            void fetch(url)
              .then((r) => r.text())
              .then((t) => {
                metrics = t
              })
              .catch(() => undefined)
            return /^lip_score\{/m.test(metrics)
          },
          30_000
        )
        for (const series of ["lip_score", "lip_projected_reward_dollars", "lip_coverage_ratio"]) {
          assert.strictEqual(
            metrics.match(new RegExp(`^${series}\\{[^}]*market="[^"]+"[^}]*\\} [\\d.e+-]+$`, "gm"))?.length,
            3,
            series
          )
        }
        // quoting, and a few minute aggregates journaled (a flush per second here)
        yield* waitUntil(
          "quotes and samples",
          () => {
            Effect.runFork(
              readJournal(journal).pipe(
                Effect.tap((es) => {
                  samples = es.filter((e) => e.kind === "sample").length
                  acks = es.filter((e) => e.kind === "ack").length
                }),
                Effect.ignore
              )
            )
            return samples >= 3 && acks >= 3
          },
          30_000
        )
        first.child.kill("SIGKILL")
        yield* first.exited
        yield* Effect.sleep("2 seconds") // the gap
        const second = cli(["run", "--config", config(dir, journal, 2000)])
        assert.strictEqual(yield* second.exited, 0, second.output())

        const entries = yield* readJournal(journal)
        const runs = entries.filter((e) => e.kind === "run")
        assert.strictEqual(runs.length, 2)
        const restart = runs[1]!
        const whole = Report.compute(entries)
        const beforeKill = Report.compute(entries.filter((e) => e.seq < restart.seq))
        const secondRun = Report.compute(entries, { since: restart.ts })
        const dh = (r: Report.Report) => r.totals.liquidityDollarHours
        assert.isAbove(Number(D.format(dh(beforeKill))), 0)
        // the first run's orders end at its last journal activity: nothing is counted in the gap
        const gap = D.sub(dh(whole), D.add(dh(beforeKill), dh(secondRun)))
        assert.isTrue(D.abs(gap) < D.d("0.000000000001"), `the gap counted ${D.format(gap)} $·h`)

        // the LIP section: per market and day, each market's own program and target
        assert.isAtLeast(whole.lip.length, 3)
        for (const row of whole.lip) {
          assert.isDefined(row.programId)
          assert.include(["100", "250"], D.format(row.targetSize!))
          assert.isAbove(row.snapshots, 0)
        }
        assert.strictEqual(whole.lipTotals.programMarkets, 3)

        // the report command: no credentials needed (the venue section's key is an unset variable)
        const cfg = writeFile(
          dir,
          "live.yaml",
          `venues:\n  k: { type: kalshi, apiKeyId: "\${UNSET_KEY_ID_FOR_TEST}", privateKeyPath: /nope.pem }\njournal: { path: ${journal} }\n`
        )
        const csv = cli(["report", "--config", cfg, "--format", "csv"])
        assert.strictEqual(yield* csv.exited, 0, csv.output())
        assert.include(csv.output(), "# lipPrograms")
        assert.match(csv.output(), /^TOTAL,,\d+,/m)
        // no journal: one line, exit 1
        const missing = cli(["report", "--journal", `${dir}/none.sqlite`])
        assert.strictEqual(yield* missing.exited, 1)
        assert.strictEqual(
          missing.output().trim(),
          `alpha-hunter: no journal at ${dir}/none.sqlite (nothing has run there)`
        )
      }),
    120_000
  )
})

let samples = 0
let acks = 0
