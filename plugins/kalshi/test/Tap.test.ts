/**
 * `KalshiFeed.tap`: a listener on the feed's raw frames (a recorder beside the bot), over real loopback
 * sockets against kalshi-sim — the frames as received with their receive time, the extra public channels
 * subscribed for the feed's books, a dropped socket as `closed` then `opened`, and fresh snapshots on ask.
 */
import { Ids } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { FeedTap } from "../src/KalshiFeed.js"
import { collect, connect } from "./utils.js"

const symbol = Ids.Symbol.make("KXSIMA-26DEC31-E0-M0")

const until = (what: string, f: () => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 200; i++) {
      if (f()) return
      yield* Effect.sleep("25 millis")
    }
    assert.fail(`timed out waiting for ${what}`)
  })

describe("the feed's tap", () => {
  it.scopedLive(
    "raw frames with their receive time, its channels for the books, a reconnect as closed then opened",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ port: 0, markets: 2, seed: 4, flow: { ratePerSec: 80 } })
        const { client, exchange } = yield* connect(sim, { reconcile: { enabled: false, graceMs: 500 } })
        const seen: Array<{ readonly kind: string; readonly t: number; readonly raw: string }> = []
        const listener: FeedTap = {
          frame: (t, raw) => void seen.push({ kind: "frame", t, raw }),
          opened: (t) => void seen.push({ kind: "opened", t, raw: "" }),
          closed: (t, reason) => void seen.push({ kind: "closed", t, raw: reason })
        }
        const t0 = Date.now()
        yield* client.feed.tap(listener, ["trade"])
        // a strategy reads the book: the feed subscribes it, and the tap's channel for it
        yield* collect(exchange.watchBook(symbol))
        const type = (raw: string) => /"type":"([a-z_0-9]+)"/.exec(raw)?.[1]
        const frames = () => seen.filter((s) => s.kind === "frame")
        yield* until("a snapshot, deltas and trades", () => {
          const ts = frames().map((f) => type(f.raw))
          return ts.includes("orderbook_snapshot") && ts.includes("orderbook_delta") && ts.includes("trade")
        })
        assert.isTrue(frames().every((f) => f.t >= t0 && f.t <= Date.now()))
        assert.isTrue(frames().some((f) => type(f.raw) === "trade" && f.raw.includes(symbol)))
        // trades are the tap's: the feed's book stays valid through them
        assert.isTrue(Option.isSome(yield* client.feed.currentBook(symbol)))

        // the venue drops the socket: closed (with the reason), then opened, then a fresh snapshot
        const before = seen.length
        assert.isAtLeast(yield* sim.faults.dropSockets, 1)
        yield* until("the reconnect's snapshot", () =>
          seen.slice(before).some((s) => s.kind === "frame" && type(s.raw) === "orderbook_snapshot")
        )
        const after = seen.slice(before).map((s) => (s.kind === "frame" ? type(s.raw) : s.kind))
        const closed = after.indexOf("closed")
        const opened = after.indexOf("opened")
        assert.isTrue(closed >= 0 && opened > closed, after.join(","))
        assert.isTrue(after.indexOf("orderbook_snapshot") > opened)

        // a listener that lost frames asks for fresh snapshots
        const mark = seen.length
        yield* client.feed.resnapshot
        yield* until("a snapshot on ask", () =>
          seen.slice(mark).some((s) => s.kind === "frame" && type(s.raw) === "orderbook_snapshot")
        )
        assert.isTrue(Option.isSome(yield* client.feed.currentBook(symbol)))
      })
  )
})
