import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { cli, readJournal, tempDir, waitUntil, writeFile } from "./helpers.js"

const defaultConfig = readFileSync(new URL("../config/sim.yaml", import.meta.url), "utf8")
describe("alpha-hunter CLI", () => {
  it.live(
    "run on the embedded simulator: rests quotes in several markets, stops with none resting and prints the report",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        const journal = `${dir}/j.sqlite`
        const config = writeFile(
          dir,
          "sim.yaml",
          defaultConfig
            .replace("path: alpha-hunter.sqlite", `path: ${journal}`)
            .replace("statusIntervalMs: 1000", "statusIntervalMs: 1000\n  durationMs: 15000")
            .concat("\nmetrics: { port: 0 }\n")
        )
        const p = cli(["run", "--config", config])
        // while it runs: the Prometheus endpoint
        yield* waitUntil("the metrics endpoint", () => /metrics: http:\/\/[\d.]+:\d+\/metrics/.test(p.output()), 60_000)
        const url = /metrics: (http:\/\/[\d.]+:\d+\/metrics)/.exec(p.output())![1]!
        yield* Effect.sleep("7 seconds")
        const metrics = yield* Effect.promise(() => fetch(url).then((r) => r.text()))
        assert.match(metrics, /orders_sent_total\{[^}]*kind="create"[^}]*\} \d+/)
        assert.match(metrics, /token_headroom\{[^}]*bucket="write"[^}]*\} [\d.]+/)
        assert.match(metrics, /tick_to_order_seconds_count\{venue="sim"\} [1-9]/)
        assert.match(metrics, /resting_orders [\d.]+/)
        const age = Number(/ws_message_age_seconds\{venue="sim"\} ([\d.e+-]+)/.exec(metrics)?.[1] ?? "NaN")
        assert.isTrue(age >= 0 && age < 60, `message age ${age} s`)
        // the operator's series are all there
        for (const series of ["fills_total", "position_contracts", "pnl_dollars", "exposure_dollars", "risk_state"]) {
          assert.match(metrics, new RegExp(`^${series}(\\{[^}]*\\})? `, "m"), series)
        }
        const code = yield* p.exited
        const out = p.output()
        assert.strictEqual(code, 0, out)
        assert.include(out, "verified: none of our orders rests")
        const placed = Number(/resting orders placed: (\d+)/.exec(out)?.[1] ?? "0")
        assert.isAbove(placed, 3, out)
        assert.match(out, /liquidity provided: \$\d+\.\d\d/)
        // the maker steps inside the spread (on a 2-tick spread one side joins the best instead)
        const improvement = Number(/average spread improvement: ([\d.]+) ticks/.exec(out)?.[1] ?? "0")
        assert.isAbove(improvement, 0.5, out)
        const entries = yield* readJournal(journal)
        const restingMarkets = new Set(
          entries.filter((e) => e.kind === "ack" && e.data["status"] === "open").map((e) => e.symbol)
        )
        assert.isAtLeast(restingMarkets.size, 3, "quotes rested in several markets")
        // the report command reads the same journal
        const r = cli(["report", "--journal", journal, "--format", "json"])
        assert.strictEqual(yield* r.exited, 0, r.output())
        const report = JSON.parse(r.output().slice(r.output().indexOf("{")))
        assert.strictEqual(report.totals.ordersPlaced, placed)
      }),
    90_000
  )

  it.live("user mistakes end in one clean line and exit 1, never a stack trace", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
        [["report", "--since", "yesterday", "--journal", writeFile(dir, "j.sqlite", "")], 'cannot read "yesterday"'],
        [["report", "--format", "xml"], "table, json, csv"],
        [["cancel-all", "--venue", "nope"], "no venue named nope"],
        [["run", "--config", `${dir}/missing.yaml`], "must exist"],
        // the control commands read only the journal path: no bot there is said plainly
        [
          ["status", "--config", writeFile(dir, "c.yaml", `journal: { path: ${dir}/none.sqlite }\n`)],
          `no running bot on journal ${dir}/none.sqlite`
        ],
        [["pause", "--config", writeFile(dir, "bad.yaml", "journal: [\n")], "invalid config"]
      ]
      // the processes at once (each is independent; the startup is most of each one's time)
      const procs = cases.map(([args, expected]) => ({ args, expected, p: cli(args) }))
      for (const { args, expected, p } of procs) {
        const code = yield* p.exited
        const out = p.output()
        assert.strictEqual(code, 1, out)
        assert.include(out, expected)
        assert.notMatch(out, /\n\s+at /, `a stack trace for ${args.join(" ")}:\n${out}`)
        assert.notInclude(out, '{"_tag"')
      }
    })
  )

  it.live("a busy metrics port stops the run before any venue connects, in one clean line", () =>
    Effect.gen(function* () {
      const busy = createServer()
      yield* Effect.async<void>((resume) => {
        busy.listen(0, "127.0.0.1", () => resume(Effect.void))
      })
      const port = (busy.address() as AddressInfo).port
      const dir = tempDir()
      const config = writeFile(
        dir,
        "busy.yaml",
        defaultConfig
          .replace("path: alpha-hunter.sqlite", `path: ${dir}/j.sqlite`)
          .concat(`\nmetrics: { port: ${port} }\n`)
      )
      const p = cli(["run", "--config", config])
      const code = yield* p.exited
      busy.close()
      const out = p.output()
      assert.strictEqual(code, 1, out)
      assert.include(out, `metrics on 127.0.0.1:${port}`)
      assert.include(out, "is the port in use?")
      assert.notInclude(out, "embedded Kalshi simulator") // no venue was started
      assert.notMatch(out, /\n\s+at /)
    })
  )

  it.live("a bad config is refused before anything connects, naming each bad key", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const config = writeFile(
        dir,
        "bad.yaml",
        `venues:
  sim: { type: kalshi-sim, markets: "many" }
  x: { type: nowhere }
strategies:
  mm:
    plugin: maker
    venue: simm
    mode: liquidity
    params: { minSpreadTicks: 0, colour: blue }
risk:
  global: { maxOrderSize: 5 }
`
      )
      const p = cli(["run", "--config", config])
      const code = yield* p.exited
      const out = p.output()
      assert.notStrictEqual(code, 0)
      assert.include(out, "venues.sim.markets")
      assert.include(out, 'venues.x.type: unknown venue plugin "nowhere"')
      assert.include(out, 'strategies.mm.venue: no venue named "simm"')
      assert.include(out, "strategies.mm.params.minSpreadTicks")
      assert.include(out, "strategies.mm.params.colour")
      assert.include(out, "risk.global.maxOrderSize")
      assert.notInclude(out, "embedded Kalshi simulator") // nothing was started
    })
  )
})
