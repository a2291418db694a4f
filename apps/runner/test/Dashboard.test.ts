/** The dashboard's server side in process: the SSE stream's payloads, exact figures, the token and the page cap. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Control from "../src/Control.js"
import * as Dashboard from "../src/Dashboard.js"
import type * as Data from "../src/DashboardData.js"
import { tempDir } from "./helpers.js"
import { startToy } from "./toyRun.js"

interface Event {
  readonly event: string
  readonly data: Data.Snapshot & Data.Delta & Data.Detail & { readonly page: string }
}

/** One page on `/events`: its payloads one by one. */
const openEvents = (url: string, token: string) =>
  Effect.promise(async () => {
    const r = await fetch(`${url}/events`, { headers: { authorization: `Bearer ${token}` } })
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader()
    const queue: Array<Event> = []
    let buf = ""
    const next = async (): Promise<Event> => {
      while (queue.length === 0) {
        const { value, done } = await reader.read()
        if (done) throw new Error("the stream ended")
        buf += value
        for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
          const chunk = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const event = /^event: (.*)$/m.exec(chunk)?.[1]
          const data = /^data: (.*)$/m.exec(chunk)?.[1]
          if (event !== undefined && data !== undefined) queue.push({ event, data: JSON.parse(data) })
        }
      }
      return queue.shift()!
    }
    return { next: () => Effect.promise(next), close: () => Effect.promise(() => reader.cancel()) }
  })

const post = (url: string, body: unknown, token?: string) =>
  Effect.promise(() =>
    fetch(`${url}/events/focus`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body)
    }).then((r) => r.status)
  )

describe("dashboard server", () => {
  it.scopedLive(
    "hello, a snapshot, deltas with only what changed, the selected market's detail; exact money; the token; at most maxPages pages",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        const { resolved, handle } = yield* startToy(dir)
        for (let i = 0; i < 200; i++) {
          if ((yield* handle.sessions[0]!.engine.live).filter((t) => t.status === "open").length === 2) break
          yield* Effect.sleep(20)
        }
        const dashboard = yield* Dashboard.make(handle, {
          configured: Dashboard.configuredOf(resolved, handle.sessions),
          depth: 5,
          intervalMs: 50,
          maxPages: 1
        })
        const token = "a-token-for-the-dashboard-test"
        const url = yield* Control.serve(handle, {
          host: "127.0.0.1",
          port: 0,
          token,
          file: `${dir}/j.sqlite.control.json`,
          routes: dashboard.handle
        })

        // the page is served without the token and holds none; its data is not
        const page = yield* Effect.promise(() => fetch(`${url}/`))
        assert.strictEqual(page.status, 200)
        assert.notInclude(yield* Effect.promise(() => page.text()), token)
        assert.strictEqual((yield* Effect.promise(() => fetch(`${url}/events`))).status, 401)
        assert.strictEqual((yield* Effect.promise(() => fetch(`${url}/status`))).status, 401)
        const uplot = yield* Effect.promise(() => fetch(`${url}/uPlot.iife.min.js`))
        assert.strictEqual(uplot.headers.get("content-type"), "text/javascript; charset=utf-8")

        const events = yield* openEvents(url, token)
        const hello = yield* events.next()
        assert.strictEqual(hello.event, "hello")
        const pageId = hello.data.page
        const first = yield* events.next()
        assert.strictEqual(first.event, "snapshot")
        const snap = first.data
        assert.strictEqual(snap.markets.length, 1)
        const m = snap.markets[0]!
        assert.strictEqual(m.key, "t:TOY-1")
        assert.strictEqual(m.ourBid, "0.41")
        assert.strictEqual(m.ourAsk, "0.49")
        // 2 × 0.41 + 2 × (1 − 0.49)
        assert.strictEqual(m.resting, "1.84")
        assert.strictEqual(m.orders, 2)
        // the rows carry the best levels only; the book's levels come as the selected market's detail
        assert.deepStrictEqual([m.bid, m.ask, m.spreadTicks], ["0.4", "0.5", 10])
        assert.notProperty(m, "bids")
        assert.deepStrictEqual([m.state, m.paused, m.own], ["ACTIVE", false, false])
        assert.strictEqual(m.spread, "0.1")
        // the toy venue has no liquidity program: no LIP score (the page says "no program"), no day figures
        assert.deepStrictEqual(
          [m.lipTarget, m.lipScore, m.lipToday, m.lipProjected],
          [undefined, undefined, undefined, undefined]
        )
        assert.strictEqual(snap.portfolio.resting, "1.84")
        assert.strictEqual(snap.portfolio.markets, 1)
        assert.strictEqual(snap.venues[0]!.venue, "t")
        // selecting a market: the token, a connected page, a configured market
        assert.strictEqual(yield* post(url, { page: pageId, market: "t:TOY-1" }), 401)
        assert.strictEqual(yield* post(url, { page: "no-such-page", market: "t:TOY-1" }, token), 404)
        assert.strictEqual(yield* post(url, { page: pageId, market: "t:NOPE" }, token), 400)
        assert.strictEqual(yield* post(url, "{not json", token), 400)
        assert.strictEqual(yield* post(url, { page: pageId, market: "x".repeat(2000) }, token), 413)
        assert.strictEqual(yield* post(url, { page: pageId, market: "t:TOY-1" }, token), 200)
        // then that market's detail, once (nothing moves on the toy venue: no second one); the deltas carry the
        // time and no market
        // (deltas written before the focus may still be on their way)
        let detail: Event | undefined
        for (let i = 0; i < 200 && detail === undefined; i++) {
          const e = yield* events.next()
          if (e.event === "detail") detail = e
          else assert.strictEqual(e.event, "delta")
        }
        assert.isDefined(detail, "no detail after the focus")
        const seen: Array<Event> = []
        while (seen.length < 3) seen.push(yield* events.next())
        assert.deepStrictEqual(
          seen.map((e) => e.event),
          ["delta", "delta", "delta"]
        )
        const d = detail!.data
        assert.strictEqual(d.key, "t:TOY-1")
        assert.deepStrictEqual(d.bids[0], ["0.4", "100", "0"])
        assert.deepStrictEqual(d.asks[0], ["0.5", "100", "0"])
        assert.deepStrictEqual([d.makerContracts, d.takerContracts], ["0", "0"])
        for (const e of seen.filter((e) => e.event === "delta")) {
          assert.deepStrictEqual(e.data.markets, [])
          assert.isAbove(e.data.t, snap.t - 1)
        }
        yield* events.close()
        // the page has disconnected: the collector stops; with one page open, a second is refused
        for (let i = 0; i < 50 && dashboard.clients() > 0; i++) yield* Effect.sleep(20)
        assert.strictEqual(dashboard.clients(), 0)
        const one = yield* Effect.promise(() =>
          fetch(`${url}/events`, { headers: { authorization: `Bearer ${token}` } })
        )
        assert.strictEqual(one.status, 200)
        const second = yield* Effect.promise(() =>
          fetch(`${url}/events`, { headers: { authorization: `Bearer ${token}` } })
        )
        assert.strictEqual(second.status, 503)
        yield* Effect.promise(() => one.body!.cancel())
        assert.strictEqual(yield* handle.pullQuotes, 0)
      })
  )
})
