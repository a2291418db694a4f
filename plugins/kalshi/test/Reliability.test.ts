/**
 * Reliability of writes, each provoked over real loopback sockets against kalshi-sim:
 * - a 2xx answer the plugin cannot decode is an unknown outcome (never a defect, never a hang), resolved by lookup;
 * - a caller's deadline turns a hang into an unknown outcome;
 * - certainly-not-sent writes (429 after the re-admission budget, a refused connection) are certain failures
 *   (`NotSent`) that neither mark anything unknown nor block the market;
 * - a dropped socket shows on `health` as `Disconnected` then `Reconnected`.
 */
import * as net from "node:net"
import { Decimal as D, ExchangeError, Ids, WriteOutcome } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as session from "../src/internal/session.js"
import * as wire from "../src/internal/wire.js"
import { buyOn, collect, connect } from "./utils.js"

const symbol = Ids.Symbol.make("KXSIMA-26DEC31-E0-M0")
const sim = (options: KalshiSim.Options = {}) => KalshiSim.make({ port: 0, ...options })

/** no hang: every write below must answer well within this */
const noHang = <A, E, R>(eff: Effect.Effect<A, E, R>) =>
  eff.pipe(
    Effect.timeoutFail({ duration: Duration.seconds(4), onTimeout: () => "the write hung" as const }),
    Effect.either
  )

const isUnknown = <A>(r: Either.Either<A, unknown>) =>
  Either.isLeft(r) && ExchangeError.isUnknownOutcome(r.left as ExchangeError.ExchangeError)

const buy = buyOn(symbol)

const cid = (tag: string) => Ids.ClientOrderId.make(`${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`)

/** the plugin with the REST auditor off (so nothing else reads or writes) */
const quiet = { reconcile: { enabled: false, graceMs: 500 } } as const

describe("malformed 2xx write answers → UnknownOutcome, resolved by lookup", () => {
  it.scopedLive("create", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, quiet)
      yield* exchange.loadMarkets()
      yield* s.faults.malformedResponses(1, ["create"])
      const id = cid("mal-create")
      const r = yield* noHang(exchange.createOrder(buy("0.07", { clientOrderId: id })))
      assert.isTrue(isUnknown(r), `got ${JSON.stringify(r)}`)
      assert.strictEqual(
        WriteOutcome.fromError((r as Either.Left<ExchangeError.ExchangeError, never>).left)._tag,
        "Unknown"
      )
      // the sim applied it: the lookup finds it and writes to the market resume
      assert.deepStrictEqual(yield* client.resolveUnknown, [])
      assert.isAtLeast((yield* client.verificationStats).resolvedUnknown, 1)
      const found = yield* exchange.fetchOrderByClientId(id, symbol)
      assert.strictEqual(found.status, "open")
      const next = yield* exchange.createOrder(buy("0.06"))
      assert.strictEqual(next.status, "open")
    })
  )

  it.scopedLive("batch create (every item unknown; each found by its client order id)", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, quiet)
      yield* exchange.loadMarkets()
      yield* s.faults.malformedResponses(1, ["batch_create"])
      const ids = [cid("mal-bc-a"), cid("mal-bc-b")]
      const rs = yield* noHang(
        exchange.createOrders([buy("0.04", { clientOrderId: ids[0]! }), buy("0.05", { clientOrderId: ids[1]! })])
      )
      assert.isTrue(Either.isRight(rs))
      if (Either.isRight(rs)) {
        assert.strictEqual(rs.right.length, 2)
        assert.isTrue(rs.right.every(isUnknown))
      }
      assert.deepStrictEqual(yield* client.resolveUnknown, [])
      const open = yield* exchange.fetchOpenOrders({ symbol })
      for (const id of ids) assert.strictEqual(open.filter((o) => o.clientOrderId === id).length, 1)
    })
  )

  it.scopedLive("cancel", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, quiet)
      const o = yield* exchange.createOrder(buy("0.08"))
      yield* s.faults.malformedResponses(1, ["cancel"])
      const r = yield* noHang(exchange.cancelOrder(o.id, symbol))
      assert.isTrue(isUnknown(r), `got ${JSON.stringify(r)}`)
      assert.deepStrictEqual(yield* client.resolveUnknown, [])
      assert.strictEqual((yield* exchange.fetchOrder(o.id)).status, "canceled")
    })
  )

  it.scopedLive("batch cancel", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, quiet)
      const a = yield* exchange.createOrder(buy("0.08"))
      const b = yield* exchange.createOrder(buy("0.09"))
      yield* s.faults.malformedResponses(1, ["batch_cancel"])
      const rs = yield* noHang(exchange.cancelOrders([a.id, b.id], symbol))
      assert.isTrue(Either.isRight(rs))
      if (Either.isRight(rs)) assert.isTrue(rs.right.every(isUnknown))
      assert.deepStrictEqual(yield* client.resolveUnknown, [])
      assert.strictEqual((yield* exchange.fetchOrder(a.id)).status, "canceled")
      assert.strictEqual((yield* exchange.fetchOrder(b.id)).status, "canceled")
      assert.strictEqual((yield* exchange.fetchOpenOrders({ symbol })).length, 0)
    })
  )

  it.scopedLive("amend", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, quiet)
      const o = yield* exchange.createOrder(buy("0.08"))
      yield* s.faults.malformedResponses(1, ["amend"])
      const r = yield* noHang(exchange.editOrder(o.id, symbol, { price: D.d("0.10") }))
      assert.isTrue(isUnknown(r), `got ${JSON.stringify(r)}`)
      assert.strictEqual((yield* client.unresolved).length, 1)
      assert.deepStrictEqual(yield* client.resolveUnknown, [])
      const now = yield* exchange.fetchOrder(o.id)
      assert.isTrue(D.eq(now.price, D.d("0.10")))
    })
  )
})

describe("batch item errors", () => {
  it("an errored batch-create item decodes with order_id absent (Kalshi's schema) or null (older answers)", () => {
    const decode = Schema.decodeUnknownSync(wire.BatchCreateItem)
    const error = { code: "invalid_order", message: "invalid order", details: "post only cross" }
    const absent = decode({ client_order_id: "c-1", ts_ms: null, error })
    const nulled = decode({ order_id: null, client_order_id: "c-1", fill_count: null, remaining_count: null, error })
    for (const x of [absent, nulled]) {
      assert.isTrue(x.order_id === undefined || x.order_id === null)
      assert.strictEqual(x.error?.code, "invalid_order")
    }
    // and an item that is not an item at all does not decode (its outcome is then unknown, not a defect)
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(wire.BatchCreateItem)({ order_id: 12345 })))
  })
})

describe("a caller's deadline", () => {
  it.scopedLive("a write with no answer within writeDeadlineMs is UnknownOutcome, then resolved by lookup", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, { ...quiet, writeDeadlineMs: 300 })
      yield* exchange.loadMarkets()
      yield* s.faults.latency(1_500, 1) // the request stays in flight well past the deadline
      const id = cid("deadline")
      const t0 = Date.now()
      const r = yield* noHang(exchange.createOrder(buy("0.07", { clientOrderId: id })))
      assert.isBelow(Date.now() - t0, 1_200)
      assert.isTrue(isUnknown(r), `got ${JSON.stringify(r)}`)
      // the late answer (or the lookup) resolves it; the order exists once
      yield* Effect.sleep(1_600)
      assert.deepStrictEqual(yield* client.resolveUnknown, [])
      const open = yield* exchange.fetchOpenOrders({ symbol })
      assert.strictEqual(open.filter((o) => o.clientOrderId === id).length, 1)
    })
  )
})

describe("certainly not sent is never unknown", () => {
  it.scopedLive("429 after the re-admission budget → RateLimited (NotSent), nothing unknown, market not blocked", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, { ...quiet, limiter: { retriesAfter429: 1 } })
      yield* exchange.loadMarkets()
      yield* s.faults.rateLimitStorm({ count: 2 }) // the first send and its one re-admission
      const r = yield* noHang(exchange.createOrder(buy("0.07")))
      assert.isTrue(Either.isLeft(r) && (r.left as ExchangeError.ExchangeError)._tag === "RateLimited")
      if (Either.isLeft(r)) {
        const e = r.left as ExchangeError.ExchangeError
        assert.isFalse(ExchangeError.mayHaveExecuted(e))
        assert.strictEqual(WriteOutcome.fromError(e)._tag, "NotSent")
      }
      assert.deepStrictEqual(yield* client.unresolved, [])
      assert.strictEqual((yield* exchange.fetchOpenOrders({ symbol })).length, 0)
      // the next create on that market is sent, not refused as unresolved
      const next = yield* exchange.createOrder(buy("0.07"))
      assert.strictEqual(next.status, "open")
    })
  )

  it.scopedLive("sustained 429s (≥ 5 within 10 s) publish RateLimited on health", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { exchange } = yield* connect(s, { ...quiet, limiter: { retriesAfter429: 1 } })
      const health = yield* collect(exchange.health)
      yield* Effect.sleep(50)
      yield* s.faults.rateLimitStorm({ count: 5 })
      // five reads at once: each meets a 429, then is re-admitted and answered
      yield* Effect.forEach([1, 2, 3, 4, 5], () => exchange.fetchOpenOrders({ symbol }), {
        concurrency: "unbounded"
      })
      const h = yield* Queue.take(health).pipe(Effect.timeout("2 seconds"))
      assert.strictEqual(h._tag, "RateLimited")
      if (h._tag === "RateLimited") assert.strictEqual(h.count, 5)
    })
  )

  it.scopedLive("connection refused → ExchangeUnavailable with notSent, market not blocked", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const gate = yield* tcpGate(s.port)
      const { client, exchange } = yield* connect(s, {
        ...quiet,
        restUrl: `http://127.0.0.1:${gate.port}/trade-api/v2`
      })
      yield* exchange.loadMarkets()
      const resting = yield* exchange.createOrder(buy("0.05"))
      yield* gate.close // nothing listens on the REST port now
      const r = yield* noHang(exchange.createOrder(buy("0.07")))
      assert.isTrue(Either.isLeft(r))
      if (Either.isLeft(r)) {
        const e = r.left as ExchangeError.ExchangeError
        assert.strictEqual(e._tag, "ExchangeUnavailable", `got ${JSON.stringify(e)}`)
        if (e._tag === "ExchangeUnavailable") assert.isTrue(e.notSent)
        assert.strictEqual(WriteOutcome.fromError(e)._tag, "NotSent")
      }
      const c = yield* noHang(exchange.cancelOrder(resting.id, symbol))
      assert.isTrue(Either.isLeft(c) && (c.left as ExchangeError.ExchangeError)._tag === "ExchangeUnavailable")
      if (Either.isLeft(c) && (c.left as ExchangeError.ExchangeError)._tag === "ExchangeUnavailable") {
        assert.isTrue((c.left as ExchangeError.ExchangeUnavailable).notSent)
      }
      assert.deepStrictEqual(yield* client.unresolved, [])
      // the venue is reachable again: writes on the market go through at once
      yield* gate.open
      const next = yield* exchange.createOrder(buy("0.07"))
      assert.strictEqual(next.status, "open")
      const canceled = yield* exchange.cancelOrder(resting.id, symbol)
      assert.strictEqual(canceled.status, "canceled")
    })
  )
})

describe("health", () => {
  it("the sustained-429 rule: ≥ 5 within a sliding 10 s window, at most one alert per 10 s", () => {
    let w = session.emptyRateWindow
    const fired: Array<number | undefined> = []
    for (const t of [0, 1_000, 2_000, 3_000, 4_000, 5_000, 9_000, 11_000, 12_000, 13_000, 14_000]) {
      const [f, next] = session.onRateLimitHit(w, t)
      fired.push(f)
      w = next
    }
    const u = undefined
    assert.deepStrictEqual(fired, [u, u, u, u, 5, u, u, u, u, u, 6])
    // hits older than the window are forgotten (the state stays bounded)
    assert.deepStrictEqual(w.hits, [5_000, 9_000, 11_000, 12_000, 13_000, 14_000])
  })

  it.scopedLive("a dropped socket publishes Disconnected, then Reconnected", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, quiet)
      const health = yield* collect(exchange.health)
      yield* client.feed.state.changes.pipe(
        Stream.takeUntil((st) => st === "open"),
        Stream.runDrain,
        Effect.timeout("5 seconds")
      )
      const dropped = yield* s.faults.dropSockets
      assert.isAtLeast(dropped, 1)
      const first = yield* Queue.take(health).pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(first._tag, "Disconnected")
      const second = yield* Queue.take(health).pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(second._tag, "Reconnected")
    })
  )
})

/**
 * A TCP pass-through to the sim's port that can stop listening (connections are then refused) and listen
 * again on the same port.
 */
const tcpGate = (target: number) =>
  Effect.gen(function* () {
    const sockets = new Set<net.Socket>()
    const server = net.createServer((inbound) => {
      const outbound = net.connect(target, "127.0.0.1")
      sockets.add(inbound)
      sockets.add(outbound)
      inbound.pipe(outbound).pipe(inbound)
      const drop = () => {
        inbound.destroy()
        outbound.destroy()
        sockets.delete(inbound)
        sockets.delete(outbound)
      }
      inbound.on("error", drop).on("close", drop)
      outbound.on("error", drop).on("close", drop)
    })
    const listen = (port: number) =>
      Effect.async<number>((resume) => {
        server.listen(port, "127.0.0.1", () => resume(Effect.succeed((server.address() as net.AddressInfo).port)))
      })
    const port = yield* listen(0)
    const close = Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
      for (const so of sockets) so.destroy()
      sockets.clear()
    }).pipe(Effect.zipRight(Effect.sleep(100))) // let the client's pool see its sockets close
    yield* Effect.addFinalizer(() => (server.listening ? close : Effect.void))
    return { port, close, open: Effect.asVoid(listen(port)) }
  })
