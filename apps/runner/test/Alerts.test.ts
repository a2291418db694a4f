/**
 * Alerts over real HTTP on 127.0.0.1 (a local `http.createServer` receiver, no mocked fetch): every kind in
 * each preset's shape, the sources mapped to kinds, the per-kind rate limit and the daily summary under
 * TestClock, a stream drop shorter / longer than N s, a failed stop through the stop layer, and a dead or
 * hung receiver that never delays the caller and is logged once per kind.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { Risk, VenueHealth } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Alerts from "../src/Alerts.js"
import { AlertsSection, AppConfig } from "../src/AppConfig.js"
import * as AppLive from "../src/AppLive.js"
import * as Journal from "../src/Journal.js"
import * as Report from "../src/Report.js"
import type { Resolved } from "../src/Resolve.js"
import { Run, type RunHandle } from "../src/Run.js"
import { tempDir } from "./helpers.js"

interface Received {
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/** A webhook receiver on loopback; `hang` never answers. */
const receiver = (options: { readonly hang?: boolean } = {}) =>
  Effect.acquireRelease(
    Effect.async<{ server: http.Server; url: string; got: Queue.Queue<Received> }>((resume) => {
      const got = Effect.runSync(Queue.unbounded<Received>())
      const server = http.createServer((req, res) => {
        let body = ""
        req.on("data", (c: Buffer) => {
          body += c.toString()
        })
        req.on("end", () => {
          got.unsafeOffer({ headers: req.headers, body })
          if (options.hang !== true) res.end("ok")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as AddressInfo).port
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}/hook`, got }))
      })
    }),
    (r) =>
      Effect.sync(() => {
        r.server.closeAllConnections()
        r.server.close()
      })
  )

/** A URL nothing listens on. */
const deadUrl = Effect.async<string>((resume) => {
  const s = http.createServer()
  s.listen(0, "127.0.0.1", () => {
    const port = (s.address() as AddressInfo).port
    s.close(() => resume(Effect.succeed(`http://127.0.0.1:${port}/hook`)))
  })
})

/** Real time, whatever the test clock says. */
const realWait = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))

/** Lets forked fibers run up to their next wait. */
const settle = Effect.forEach(Array.from({ length: 50 }), () => Effect.yieldNow(), { discard: true })

/** The next request the receiver got, waiting in real time (it is real I/O), not on the test clock. */
const take = (got: Queue.Queue<Received>) =>
  Effect.raceFirst(
    Queue.take(got),
    Effect.zipRight(realWait(5000), Effect.dieMessage("no alert reached the receiver within 5 s"))
  ).pipe(Effect.map((r) => ({ ...r, json: () => JSON.parse(r.body) as Record<string, unknown> })))

const options = (url: string, over: Partial<Alerts.Options> = {}): Alerts.Options => ({
  url,
  preset: "json",
  minIntervalMs: 0,
  timeoutMs: 2000,
  queueSize: 100,
  log: () => Effect.void,
  ...over
})

const kinds: ReadonlyArray<Alerts.Kind> = [
  "halt",
  "desync",
  "resume",
  "rate_limited",
  "disconnect",
  "stop_failed",
  "daily_summary"
]

describe("alerts", () => {
  it.scoped("every kind reaches the receiver in each preset's shape", () =>
    Effect.gen(function* () {
      for (const preset of ["json", "slack", "ntfy"] as const) {
        const r = yield* receiver()
        const scope = yield* Scope.make()
        const alerts = yield* Alerts.make(options(r.url, { preset })).pipe(Scope.extend(scope))
        for (const kind of kinds) yield* alerts.send(kind, kind === "stop_failed" ? "*" : "k", `why ${kind}`)
        for (const kind of kinds) {
          const got = yield* take(r.got)
          if (preset === "json") {
            const j = got.json()
            assert.strictEqual(got.headers["content-type"], "application/json")
            assert.strictEqual(j["kind"], kind)
            assert.strictEqual(j["venue"], kind === "stop_failed" ? "*" : "k")
            assert.strictEqual(j["reason"], `why ${kind}`)
            assert.strictEqual(typeof j["at"], "number")
            assert.strictEqual(typeof j["time"], "string")
          } else if (preset === "slack") {
            const j = got.json()
            assert.deepStrictEqual(Object.keys(j), ["text"])
            assert.match(String(j["text"]), new RegExp(`^alpha-hunter .*: why ${kind}$`))
          } else {
            assert.strictEqual(got.body, `why ${kind}`)
            assert.match(String(got.headers["title"]), /^alpha-hunter /)
            assert.match(String(got.headers["priority"]), /^[1-5]$/)
            assert.ok(String(got.headers["tags"]).length > 0)
          }
        }
        yield* Scope.close(scope, Exit.void)
      }
    })
  )

  it.scoped("Risk's changes and each venue's health become halt, resume, desync and 429 alerts", () =>
    Effect.gen(function* () {
      const r = yield* receiver()
      const alerts = yield* Alerts.make(options(r.url))
      const changes = yield* Queue.unbounded<Risk.StateChange>()
      const health = yield* Queue.unbounded<VenueHealth.VenueHealth>()
      yield* Alerts.watch(
        alerts,
        {
          riskChanges: Stream.fromQueue(changes),
          venues: [{ name: "k", health: Stream.fromQueue(health) }],
          summary: Effect.succeed("")
        },
        { disconnectAfterMs: 10_000, dailySummaryAt: "off" }
      )
      const at = 1
      yield* Queue.offer(
        changes,
        new Risk.StateChange({ state: "HALTED", previous: "ACTIVE", reason: "daily loss", scope: { venue: "k" }, at })
      )
      const halt = (yield* take(r.got)).json()
      assert.strictEqual(halt["kind"], "halt")
      assert.strictEqual(halt["venue"], "k")
      assert.match(String(halt["reason"]), /ACTIVE → HALTED: daily loss/)
      yield* Queue.offer(
        health,
        new VenueHealth.Desync({
          venue: "k",
          reason: "fill not on the stream",
          disagreements: [{ orderId: "o1", stream: "open 5", rest: "filled" }],
          at
        })
      )
      const desync = (yield* take(r.got)).json()
      assert.strictEqual(desync["kind"], "desync")
      assert.match(String(desync["reason"]), /fill not on the stream \(1 orders disagree\)/)
      yield* Queue.offer(health, new VenueHealth.RateLimited({ venue: "k", count: 40, at }))
      const limited = (yield* take(r.got)).json()
      assert.strictEqual(limited["kind"], "rate_limited")
      assert.match(String(limited["reason"]), /429s .*40/)
      yield* Queue.offer(
        changes,
        new Risk.StateChange({ state: "ACTIVE", previous: "HALTED", reason: "operator", scope: { venue: "k" }, at })
      )
      const resume = (yield* take(r.got)).json()
      assert.strictEqual(resume["kind"], "resume")
      assert.match(String(resume["reason"]), /HALTED → ACTIVE: operator/)
      yield* Queue.offer(health, new VenueHealth.Halted({ venue: "k", reason: "exchange pause", at }))
      const venueHalt = (yield* take(r.got)).json()
      assert.strictEqual(venueHalt["kind"], "halt")
      assert.match(String(venueHalt["reason"]), /the venue halted our writes: exchange pause/)
    })
  )

  it.scoped("the rate limit holds: one alert per kind per interval, the held-back ones counted (TestClock)", () =>
    Effect.gen(function* () {
      const r = yield* receiver()
      const alerts = yield* Alerts.make(options(r.url, { minIntervalMs: 60_000 }))
      yield* alerts.send("halt", "k", "first")
      yield* alerts.send("halt", "k", "second")
      yield* alerts.send("desync", "k", "other kind")
      assert.strictEqual((yield* take(r.got)).json()["reason"], "first")
      assert.strictEqual((yield* take(r.got)).json()["reason"], "other kind")
      yield* TestClock.adjust("59 seconds")
      yield* alerts.send("halt", "k", "third")
      yield* realWait(200)
      assert.strictEqual(yield* Queue.size(r.got), 0)
      yield* TestClock.adjust("1 seconds")
      yield* alerts.send("halt", "k", "fourth")
      const fourth = (yield* take(r.got)).json()
      assert.strictEqual(fourth["reason"], "fourth")
      assert.strictEqual(fourth["suppressed"], 2)
    })
  )

  it.scoped("a stream drop shorter than N s sends nothing; a longer one sends one alert (TestClock)", () =>
    Effect.gen(function* () {
      const r = yield* receiver()
      const alerts = yield* Alerts.make(options(r.url))
      const health = yield* Queue.unbounded<VenueHealth.VenueHealth>()
      yield* Alerts.watch(
        alerts,
        {
          riskChanges: Stream.empty,
          venues: [{ name: "k", health: Stream.fromQueue(health) }],
          summary: Effect.succeed("")
        },
        { disconnectAfterMs: 10_000, dailySummaryAt: "off" }
      )
      yield* Queue.offer(health, new VenueHealth.Disconnected({ venue: "k", reason: "socket closed", at: 0 }))
      yield* settle
      yield* TestClock.adjust("9 seconds")
      yield* Queue.offer(health, new VenueHealth.Reconnected({ venue: "k", at: 0 }))
      yield* settle
      yield* TestClock.adjust("1 minutes")
      yield* realWait(200)
      assert.strictEqual(yield* Queue.size(r.got), 0)

      yield* Queue.offer(health, new VenueHealth.Disconnected({ venue: "k", reason: "socket closed", at: 0 }))
      yield* settle
      yield* Queue.offer(health, new VenueHealth.Disconnected({ venue: "k", reason: "again", at: 0 }))
      yield* settle
      yield* TestClock.adjust("11 seconds")
      const down = (yield* take(r.got)).json()
      assert.strictEqual(down["kind"], "disconnect")
      assert.match(String(down["reason"]), /down for over 10 s: socket closed/)
      yield* TestClock.adjust("1 minutes")
      yield* realWait(200)
      assert.strictEqual(yield* Queue.size(r.got), 0)
    })
  )

  it.scoped("the daily summary fires at the configured time (UTC), from the report (TestClock)", () =>
    Effect.gen(function* () {
      const r = yield* receiver()
      const alerts = yield* Alerts.make(options(r.url, { minIntervalMs: 60_000 }))
      yield* TestClock.setTime(Date.UTC(2026, 0, 5, 7, 58))
      yield* Alerts.watch(
        alerts,
        {
          riskChanges: Stream.empty,
          venues: [],
          summary: Effect.succeed(Alerts.summaryText(Report.compute([]), ["k HALTED (daily loss)"]))
        },
        { disconnectAfterMs: 10_000, dailySummaryAt: "08:00" }
      )
      yield* settle
      yield* TestClock.adjust("1 minutes")
      yield* realWait(200)
      assert.strictEqual(yield* Queue.size(r.got), 0)
      yield* TestClock.adjust("1 minutes")
      const s = (yield* take(r.got)).json()
      assert.strictEqual(s["kind"], "daily_summary")
      assert.strictEqual(s["time"], "2026-01-05T08:00:00.000Z")
      assert.match(String(s["reason"]), /0 resting orders placed.*P&L \$0.*not ACTIVE: k HALTED \(daily loss\)/)
      yield* TestClock.adjust("24 hours")
      assert.strictEqual((yield* take(r.got)).json()["time"], "2026-01-06T08:00:00.000Z")
    })
  )

  it.scopedLive(
    "a dead receiver never delays the caller, drops the oldest when full, and is logged once per kind",
    () =>
      Effect.gen(function* () {
        const lines: Array<string> = []
        const alerts = yield* Alerts.make(
          options(yield* deadUrl, { queueSize: 5, log: (l) => Effect.sync(() => lines.push(l)) })
        )
        const t0 = performance.now()
        for (let i = 0; i < 1000; i++) yield* alerts.send(i % 2 === 0 ? "halt" : "resume", "k", `n${i}`)
        assert.isBelow(performance.now() - t0, 200)
        assert.isAbove(yield* alerts.dropped, 900)
        const deadline = Date.now() + 5000
        while (lines.length < 2 && Date.now() < deadline) yield* realWait(20)
        yield* realWait(200)
        assert.strictEqual(lines.length, 2, lines.join("\n"))
        assert.ok(lines.some((l) => /could not deliver a halt alert to http:\/\/127\.0\.0\.1:\d+/.test(l)))
        assert.ok(lines.some((l) => /could not deliver a resume alert/.test(l)))
        assert.ok(
          lines.every((l) => !l.includes("/hook")),
          "the URL's path (a secret on Slack) is not logged"
        )
      })
  )

  const fakeRun = (pullQuotes: Effect.Effect<number>) =>
    Effect.gen(function* () {
      const journal = yield* Journal.Journal
      return { pullQuotes, journal, startedAt: 0, sessions: [] } as unknown as RunHandle
    })

  const resolved = { config: Schema.decodeUnknownSync(AppConfig)({ venues: {} }) } as unknown as Resolved

  const stopWith = (url: string, timeoutMs: number, lines: Array<string>, stamps: Array<number> = []) =>
    AppLive.StopLive(resolved, (l) =>
      Effect.sync(() => {
        lines.push(l)
        stamps.push(Date.now())
      })
    ).pipe(
      Layer.provideMerge(
        Layer.scoped(
          Alerts.Alerts,
          Alerts.make(options(url, { timeoutMs, log: (l) => Effect.sync(() => lines.push(l)) }))
        )
      ),
      Layer.provideMerge(Layer.effect(Run, fakeRun(Effect.succeed(2)))),
      Layer.provideMerge(Journal.layer(`${tempDir()}/j.sqlite`))
    )

  it.scopedLive("a failed stop (our orders still rest) sends an alert before the run closes", () =>
    Effect.gen(function* () {
      const r = yield* receiver()
      const lines: Array<string> = []
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(stopWith(r.url, 2000, lines), scope)
      yield* Scope.close(scope, Exit.void)
      assert.ok(lines.includes("WARNING: 2 of our orders still rest"))
      const got = (yield* take(r.got)).json()
      assert.strictEqual(got["kind"], "stop_failed")
      assert.match(String(got["reason"]), /WARNING: 2 of our orders still rest/)
      assert.deepStrictEqual(got["details"], { resting: 2 })
    })
  )

  it.scopedLive("a hung receiver never delays the stop; the run closes within one delivery timeout", () =>
    Effect.gen(function* () {
      const r = yield* receiver({ hang: true })
      const lines: Array<string> = []
      const stamps: Array<number> = []
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(stopWith(r.url, 800, lines, stamps), scope)
      const t0 = Date.now()
      yield* Scope.close(scope, Exit.void)
      const closed = Date.now() - t0
      const warned = lines.findIndex((l) => l.includes("WARNING: 2 of our orders still rest"))
      assert.isAtLeast(warned, 0)
      // the stop itself (the warning, the report) does not wait on the webhook…
      assert.isBelow(stamps[stamps.length - 1]! - t0, 400)
      // …and the close waits at most one delivery timeout for the queued alert
      assert.isBelow(closed, 800 + 700)
      yield* take(r.got)
    })
  )
})

describe("alerts config", () => {
  it("defaults, presets and a bad time", () => {
    const d = Schema.decodeUnknownSync(AlertsSection)({})
    assert.deepStrictEqual(
      { ...d },
      {
        preset: "json",
        minIntervalMs: 60_000,
        disconnectAfterMs: 30_000,
        dailySummaryAt: "off",
        timeoutMs: 5000,
        queueSize: 100
      }
    )
    const n = Schema.decodeUnknownSync(AppConfig)({
      venues: {},
      alerts: { webhook: "https://ntfy.sh/my-topic", preset: "ntfy", dailySummaryAt: "21:30" }
    })
    assert.strictEqual(n.alerts.preset, "ntfy")
    assert.throws(() => Schema.decodeUnknownSync(AlertsSection)({ dailySummaryAt: "25:00" }))
    assert.throws(() => Schema.decodeUnknownSync(AlertsSection)({ preset: "email" }))
  })
})
