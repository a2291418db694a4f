/**
 * Kalshi-specific behaviour, each provoked with kalshi-sim's fault injection over real loopback sockets.
 */
import * as crypto from "node:crypto"
import { Decimal as D, Ids, Order, type OrderBook } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as KalshiConfig from "../src/KalshiConfig.js"
import * as KalshiExchange from "../src/KalshiExchange.js"
import { buyOn, collect, connect, optionsFor } from "./utils.js"

const symbol = Ids.Symbol.make("KXSIMA-26DEC31-E0-M0")
const sim = (options: KalshiSim.Options = {}) => KalshiSim.make({ port: 0, ...options })

const waitUntil = (what: string, cond: Effect.Effect<boolean>, timeoutMs = 5_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (yield* cond) return
      yield* Effect.sleep(20)
    }
    return yield* Effect.dieMessage(`timed out waiting for: ${what}`)
  })

const buy = buyOn(symbol)

describe("kalshi feed", () => {
  it.scopedLive(
    "a book's Decimal hub lives while it has Decimal readers: dropped by the last, made again by the next",
    () =>
      Effect.gen(function* () {
        const s = yield* sim({ flow: false })
        const { client, exchange } = yield* connect(s)
        const info = Effect.map(client.feed.bookInfo(symbol), Option.getOrThrow)
        const reader = (price: string) =>
          Effect.scoped(
            Effect.gen(function* () {
              const books = yield* collect(exchange.watchOrderBook(symbol))
              yield* books.take
              assert.deepInclude(yield* info, { decimalReaders: 1, decimalHub: true })
              // a change reaches the reader through the hub
              yield* exchange.createOrder(buy(price, { postOnly: true }))
              for (;;) {
                const b = yield* books.take
                if (b.bids.some(([p]) => p === D.d(price))) return
              }
            })
          )
        yield* reader("0.05")
        // the last reader left: no hub (the view path, what strategies read, never needed one)
        yield* waitUntil(
          "the reader gone",
          Effect.map(info, (i) => i.decimalReaders === 0)
        )
        assert.isFalse((yield* info).decimalHub)
        // a later reader gets a fresh hub, and the changes
        yield* reader("0.06")
      })
  )
  it.scopedLive("seq gap → book INVALID, then recovered from a snapshot", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s)
      const books = yield* collect(exchange.watchOrderBook(symbol))
      yield* books.take
      yield* s.faults.skipSeq(1)
      yield* exchange.createOrder(buy("0.05", { postOnly: true }))
      yield* waitUntil(
        "a gap",
        Effect.sync(() => client.feed.stats().gaps >= 1)
      )
      yield* waitUntil(
        "snapshot recovery",
        Effect.map(client.feed.bookInfo(symbol), (i) => Option.isSome(i) && i.value.valid)
      )
      const st = client.feed.stats()
      assert.isAtLeast(st.invalidations, 1)
      assert.isAtLeast(st.snapshotRecoveries, 1)
      assert.strictEqual(st.reconnectRecoveries, 0)
      // the healed book equals the venue's REST book
      const ws = Option.getOrThrow(yield* client.feed.currentBook(symbol))
      const rest = yield* exchange.fetchOrderBook(symbol)
      assert.deepStrictEqual(ws.bids, rest.bids)
      assert.deepStrictEqual(ws.asks, rest.asks)
    })
  )

  it.scopedLive("watchBook: integer views follow the feed (latest wins), heal after a gap, equal the REST book", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s)
      const views = yield* collect(exchange.watchBook(symbol))
      const seen = [yield* views.take]
      yield* exchange.createOrder(buy("0.05", { postOnly: true }))
      yield* s.faults.skipSeq(1)
      yield* exchange.createOrder(buy("0.06", { postOnly: true }))
      yield* waitUntil(
        "a gap, then snapshot recovery",
        Effect.map(
          client.feed.bookInfo(symbol),
          (i) => client.feed.stats().gaps >= 1 && Option.isSome(i) && i.value.valid
        )
      )
      yield* exchange.createOrder(buy("0.07", { postOnly: true }))
      const bestBid = (v: OrderBook.BookView) => {
        const l = v.bestLevel("bid")
        return l < 0 ? "-" : D.format(v.grid.priceAt(l), 2)
      }
      while (bestBid(seen.at(-1)!) !== "0.07") seen.push(yield* views.take)
      for (let i = 1; i < seen.length; i++) assert.isAbove(seen[i]!.version, seen[i - 1]!.version)
      const last = seen.at(-1)!
      const rest = yield* exchange.fetchOrderBook(symbol)
      assert.deepStrictEqual(last.toOrderBook().bids, rest.bids)
      assert.deepStrictEqual(last.toOrderBook().asks, rest.asks)
      // the integers are the Decimal book's levels and lots
      const bids = last.levels("bid")
      assert.deepStrictEqual(
        Array.from(bids.levels, (l) => last.grid.priceAt(l)),
        rest.bids.map(([p]) => p)
      )
      assert.deepStrictEqual(
        Array.from(bids.lots, (q) => D.mulInt(last.lotStep, q)),
        rest.bids.map(([, a]) => a)
      )
    })
  )

  it.scopedLive("malformed frames are logged and skipped; the feed lives on and the book stays true", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s)
      const books = yield* collect(exchange.watchOrderBook(symbol))
      yield* books.take
      const before = { ...client.feed.stats() } // a copy: stats() is the live record
      // each of the next 3 frames is preceded by a non-JSON frame and a delta with numbers for strings
      yield* s.faults.malformedFrames(3)
      yield* exchange.createOrder(buy("0.03", { postOnly: true }))
      yield* exchange.createOrder(buy("0.02", { postOnly: true }))
      yield* waitUntil(
        "the garbage to be seen",
        Effect.sync(() => client.feed.stats().malformed >= before.malformed + 3)
      )
      yield* waitUntil(
        "a valid book",
        Effect.map(client.feed.bookInfo(symbol), (i) => Option.isSome(i) && i.value.valid)
      )
      // no reconnect was needed: the connection survived the garbage
      assert.strictEqual(client.feed.stats().connects, before.connects)
      // and after it, the feed still follows the venue exactly
      yield* exchange.createOrder(buy("0.04", { postOnly: true }))
      yield* waitUntil(
        "the WebSocket book to show the last order",
        Effect.map(
          client.feed.currentBook(symbol),
          (b) => Option.isSome(b) && b.value.bids.some(([p]) => D.format(p, 2) === "0.04")
        )
      )
      const ws = Option.getOrThrow(yield* client.feed.currentBook(symbol))
      const rest = yield* exchange.fetchOrderBook(symbol)
      assert.deepStrictEqual(ws.bids, rest.bids)
      assert.deepStrictEqual(ws.asks, rest.asks)
    })
  )

  it.scopedLive("duplicated and reordered frames are gaps too: the book heals", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s)
      const books = yield* collect(exchange.watchOrderBook(symbol))
      yield* books.take
      yield* s.faults.duplicateFrames(1)
      yield* exchange.createOrder(buy("0.04", { postOnly: true }))
      yield* waitUntil(
        "a gap",
        Effect.sync(() => client.feed.stats().gaps >= 1)
      )
      yield* waitUntil(
        "valid",
        Effect.map(client.feed.bookInfo(symbol), (i) => Option.isSome(i) && i.value.valid)
      )
      const ws = Option.getOrThrow(yield* client.feed.currentBook(symbol))
      const rest = yield* exchange.fetchOrderBook(symbol)
      assert.deepStrictEqual(ws.bids, rest.bids)
    })
  )

  it.scopedLive("socket drop → reconnect, resubscribe, books rebuilt, order stream alive", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s)
      const books = yield* collect(exchange.watchOrderBook(symbol))
      yield* books.take
      const dropped = yield* s.faults.dropSockets
      assert.isAtLeast(dropped, 1)
      yield* waitUntil(
        "reconnected",
        Effect.sync(() => client.feed.stats().connects >= 2),
        10_000
      )
      yield* waitUntil(
        "book valid",
        Effect.map(client.feed.bookInfo(symbol), (i) => Option.isSome(i) && i.value.valid)
      )
      const orders = yield* collect(exchange.watchOrders(symbol))
      const created = yield* exchange.createOrder(buy("0.03", { postOnly: true }))
      const seen = yield* orders.take
      assert.strictEqual(seen.id, created.id)
      // the book shows our new bid through the resubscribed feed
      yield* waitUntil(
        "bid in the WS book",
        Effect.map(
          client.feed.currentBook(symbol),
          (b) => Option.isSome(b) && b.value.bids.some(([p]) => D.eq(p, D.d("0.03")))
        )
      )
    })
  )
})

describe("kalshi writes", () => {
  it.scopedLive("429 storm → backoff, the order is placed exactly once", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s)
      yield* s.faults.rateLimitStorm({ count: 4 })
      const cid = Ids.ClientOrderId.make(`storm-${Date.now()}`)
      const o = yield* exchange.createOrder(buy("0.06", { clientOrderId: cid, postOnly: true }))
      assert.strictEqual(o.status, "open")
      assert.isAtLeast(client.limiter.stats().rateLimited, 4)
      const open = yield* exchange.fetchOpenOrders({ symbol })
      assert.strictEqual(open.filter((x) => x.clientOrderId === cid).length, 1)
    })
  )

  it.scopedLive("lost create response → UnknownOutcome, market blocked, resolved by lookup, no duplicate", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, { reconcile: { enabled: false } })
      yield* s.faults.loseResponse(1, "destroy")
      const cid = Ids.ClientOrderId.make(`lost-${Date.now()}`)
      const r = yield* Effect.either(exchange.createOrder(buy("0.07", { clientOrderId: cid, postOnly: true })))
      assert.isTrue(Either.isLeft(r) && r.left._tag === "UnknownOutcome")
      // resolution by lookup (the sim applied the order)
      const left = yield* client.resolveUnknown
      assert.strictEqual(left.length, 0)
      const found = yield* exchange.fetchOrderByClientId(cid, symbol)
      assert.strictEqual(found.status, "open")
      // the caller's retry with the same id does not create a second order
      const again = yield* exchange.createOrder(buy("0.07", { clientOrderId: cid, postOnly: true }))
      assert.strictEqual(again.id, found.id)
      const open = yield* exchange.fetchOpenOrders({ symbol })
      assert.strictEqual(open.filter((x) => x.clientOrderId === cid).length, 1)
    })
  )

  it.scopedLive("a 5xx on create is unknown and blocks the market until resolved", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, { reconcile: { enabled: false, graceMs: 500 } })
      yield* exchange.loadMarkets()
      yield* s.faults.serverErrors(1, 503)
      const r = yield* Effect.either(exchange.createOrder(buy("0.08")))
      assert.isTrue(Either.isLeft(r) && r.left._tag === "UnknownOutcome")
      assert.strictEqual((yield* client.unresolved).length, 1)
      // the sim never applied it: after the lookup grace it is declared not created and writes resume
      yield* waitUntil(
        "resolved",
        Effect.map(client.unresolved, (u) => u.length === 0),
        8_000
      )
      const ok = yield* exchange.createOrder(buy("0.08"))
      assert.strictEqual(ok.status, "open")
    })
  )

  it.scopedLive("partial batch failure → each caller gets its own result or typed error", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, { reconcile: { enabled: false, graceMs: 500 } })
      yield* s.faults.partialBatchFailure(1, [1])
      const rs = yield* exchange.createOrders([
        buy("0.02", { postOnly: true }),
        buy("0.03", { postOnly: true }),
        buy("0.50", { postOnly: true, amount: D.d("0.015") }),
        buy("0.04", { postOnly: true })
      ])
      assert.strictEqual(rs.length, 4)
      assert.isTrue(Either.isRight(rs[0]!))
      assert.isTrue(Either.isLeft(rs[1]!) && rs[1].left._tag === "UnknownOutcome")
      assert.isTrue(Either.isLeft(rs[2]!) && rs[2].left._tag === "InvalidOrder")
      assert.isTrue(Either.isRight(rs[3]!))
      yield* waitUntil(
        "resolved",
        Effect.map(client.unresolved, (u) => u.length === 0),
        8_000
      )
      const open = yield* exchange.fetchOpenOrders({ symbol })
      assert.strictEqual(open.length, 2)
    })
  )

  it.scopedLive("creates requested together are coalesced into batched calls", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { exchange } = yield* connect(s)
      const prices = ["0.01", "0.02", "0.03", "0.04", "0.05", "0.06"]
      const rs = yield* Effect.forEach(prices, (p) => Effect.either(exchange.createOrder(buy(p, { postOnly: true }))), {
        concurrency: "unbounded"
      })
      assert.isTrue(rs.every(Either.isRight))
      const cancels = yield* Effect.forEach(
        rs.map((r) => (Either.isRight(r) ? r.right.id : Ids.OrderId.make("x"))),
        (id) => Effect.either(exchange.cancelOrder(id, symbol)),
        { concurrency: "unbounded" }
      )
      assert.isTrue(cancels.every((c) => Either.isRight(c) && c.right.status === "canceled"))
      assert.isAtLeast(exchange.features.maxBatchCreate, 2)
    })
  )

  it.scopedLive("a signature with a wrong key → AuthenticationError at start, nothing retried", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const options = yield* optionsFor(s)
      const wrong = crypto
        .generateKeyPairSync("rsa", { modulusLength: 2048 })
        .privateKey.export({ type: "pkcs1", format: "pem" })
        .toString()
      let requests = 0
      const counting = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(
          HttpClient.HttpClient,
          HttpClient.tapRequest(() => Effect.sync(() => requests++))
        )
      ).pipe(Layer.provide(KalshiExchange.httpLayer))
      const { privateKey: _pk, ...section } = options
      const cfg = yield* KalshiConfig.decode(section)
      const r = yield* Effect.either(
        Layer.build(
          KalshiExchange.layerWithHttp({ ...cfg, privateKey: Redacted.make(wrong) }).pipe(Layer.provide(counting))
        )
      )
      assert.isTrue(Either.isLeft(r))
      if (Either.isLeft(r)) {
        assert.strictEqual(r.left._tag, "AuthenticationError")
        assert.notInclude(r.left.message, "PRIVATE KEY")
      }
      assert.strictEqual(requests, 1)
    })
  )
})

describe("kalshi verification", () => {
  it.scopedLive(
    "REST/WS desync → Desync + Halted on the health stream, cancel-all, local halt, within the grace window",
    () =>
      Effect.gen(function* () {
        const s = yield* sim()
        const graceMs = 1_000
        const { client, exchange } = yield* connect(s, { reconcile: { graceMs, pollMs: 300, fastPollMs: 200 } })
        const audits = yield* collect(exchange.health.pipe(Stream.filter((h) => h._tag === "Audited")))
        const health = yield* collect(exchange.health.pipe(Stream.filter((h) => h._tag !== "Audited")))
        const other = yield* connect(s)
        const ours = yield* exchange.createOrder(buy("0.30", { postOnly: true }))
        yield* exchange.createOrder(buy("0.10", { postOnly: true }))
        // the venue fills our order, and the user_orders update about it is lost
        yield* s.faults.suppressUserOrders(10)
        yield* other.exchange.createOrder(
          Order.OrderRequest.make({ symbol, side: "sell", price: D.d("0.30"), amount: D.d("1"), timeInForce: "IOC" })
        )
        const t0 = Date.now()
        yield* waitUntil(
          "desync",
          Effect.map(client.verificationStats, (s) => s.desyncs >= 1),
          6_000
        )
        const took = Date.now() - t0
        assert.isBelow(took, graceMs + 2_000)
        assert.isAbove(yield* client.haltedUntil, Date.now() + 50_000)
        // the venue publishes; it does not act on Risk (the runner routes health to Risk and the journal)
        const desync = yield* health.take
        assert.strictEqual(desync._tag, "Desync")
        if (desync._tag === "Desync") {
          assert.isAtLeast(desync.disagreements.length, 1)
          assert.isTrue(desync.disagreements.every((d) => d.stream.length > 0 && d.rest.length > 0))
        }
        const halted = yield* health.take
        assert.strictEqual(halted._tag, "Halted")
        // every audit round is published; the rounds that saw the disagreement are not clean
        const rounds = yield* audits.takeAll
        assert.isTrue([...rounds].some((a) => a._tag === "Audited" && !a.clean))
        const open = yield* exchange.fetchOpenOrders()
        assert.strictEqual(open.length, 0)
        const refused = yield* Effect.either(exchange.createOrder(buy("0.11", { postOnly: true })))
        assert.isTrue(Either.isLeft(refused) && refused.left._tag === "ExchangeRejected")
        void ours
      })
  )

  it.scopedLive("fills are de-duplicated by trade id across WS and REST", () =>
    Effect.gen(function* () {
      const s = yield* sim()
      const { client, exchange } = yield* connect(s, { reconcile: { graceMs: 200, pollMs: 300, fastPollMs: 200 } })
      const other = yield* connect(s)
      const fills = yield* collect(exchange.watchMyTrades(symbol))
      yield* exchange.createOrder(buy("0.40", { postOnly: true }))
      yield* other.exchange.createOrder(
        Order.OrderRequest.make({ symbol, side: "sell", price: D.d("0.40"), amount: D.d("1"), timeInForce: "IOC" })
      )
      const f = yield* fills.take
      assert.strictEqual(f.side, "buy")
      assert.isTrue(D.eq(f.price, D.d("0.40")))
      yield* Effect.sleep(1_000) // several REST polls see the same fill
      assert.strictEqual(yield* fills.size, 0)
      const stats = yield* client.verificationStats
      assert.strictEqual(stats.duplicateFills + stats.restOnlyFills >= 0, true)
    })
  )
})
