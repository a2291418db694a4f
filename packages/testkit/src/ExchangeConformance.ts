/**
 * The Exchange conformance suite, after `@effect/sql`'s shared suites: every venue plugin calls
 * `ExchangeConformance.suite(name, layer, options)` with its own layer and gets the same tests.
 *
 * Each case is a plain `Effect<void, ConformanceFailure, Exchange | R>`, so a test can also run one case on
 * its own (for instance against a deliberately broken venue, to prove the check bites). `suite` only
 * registers the cases with `@effect/vitest`'s `layer` (one venue instance per suite, live services).
 *
 * Cases are written to be robust on a shared venue: orders rest at the extremes of the tick grid, every
 * client order id is fresh, and each case cancels what it created.
 */
import { Decimal as D, type Exchange, Ids, type OrderBook as OB, Order } from "@alpha-hunter/core"
import { layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import {
  awaitMatch,
  type Case,
  checkEcho,
  checkOrder,
  collect,
  defineCase,
  describeError,
  expectNone,
  expectThat,
  fail,
  foreignAsk,
  isOpenish,
  lowBuyPrice,
  missing,
  type Options,
  type OrderBook,
  ok,
  placeRestingBuy,
  placeRestingSell,
  refused,
  request,
  streamRefused
} from "./conformance/Ctx.js"
import { faultCases } from "./conformance/faults.js"
import * as Invariants from "./Invariants.js"

export type { Case, Faults, Options, SeedArgs, SpoiledWrite } from "./conformance/Ctx.js"

// ---- the cases ---------------------------------------------------------------------------------

/** Every conformance case for `options`, in the order `suite` registers them. */
export const cases = <R = never>(options: Options<R>): ReadonlyArray<Case<R>> => {
  const def = defineCase(options)
  const list: Array<Case<R>> = [
    def("structure.capabilities", "has lists every method and features are coherent", (ctx) =>
      Effect.gen(function* () {
        yield* expectThat("id", ctx.ex.id.length > 0, "the venue id is empty")
        yield* expectNone("has/features", Invariants.checkCapabilities(ctx.ex.has, ctx.ex.features))
      })
    ),

    def("structure.markets", "loadMarkets is non-empty and every market is sound", (ctx) =>
      Effect.gen(function* () {
        const markets = yield* ok("loadMarkets", ctx.ex.loadMarkets())
        yield* expectThat("loadMarkets", markets.size > 0, "no markets")
        const problems: Array<string> = []
        for (const [key, m] of markets) {
          if (key !== m.symbol) problems.push(`loadMarkets key ${key} holds market ${m.symbol}`)
          problems.push(...Invariants.checkMarket(m))
        }
        yield* expectNone("markets", problems)
        yield* expectThat(
          "market status",
          ctx.market.status === "open",
          `the suite's market ${ctx.symbol} is ${ctx.market.status}, not open`
        )
        const reloaded = yield* ok("loadMarkets(true)", ctx.ex.loadMarkets(true))
        yield* expectThat("loadMarkets(true)", reloaded.has(ctx.symbol), `reload lost ${ctx.symbol}`)
        if (ctx.ex.has.fetchMarkets === false) {
          yield* refused("fetchMarkets (has false)", ctx.ex.fetchMarkets(), "NotSupported")
        } else {
          const fetched = yield* ok("fetchMarkets", ctx.ex.fetchMarkets())
          yield* expectThat(
            "fetchMarkets",
            fetched.some((m) => m.symbol === ctx.symbol),
            `fetchMarkets lacks ${ctx.symbol}`
          )
        }
        if (ctx.ex.has.fetchEvents === false) {
          yield* refused("fetchEvents (has false)", ctx.ex.fetchEvents(), "NotSupported")
        } else {
          const events = yield* ok("fetchEvents", ctx.ex.fetchEvents())
          const ids = new Set<string>()
          const eventProblems: Array<string> = []
          for (const e of events) {
            if (ids.has(e.id)) eventProblems.push(`event ${e.id} listed twice`)
            ids.add(e.id)
          }
          yield* expectNone("fetchEvents", eventProblems)
        }
      })
    ),

    def("structure.orderBook", "fetchOrderBook returns a sorted, uncrossed book on the grid", (ctx) =>
      Effect.gen(function* () {
        const book = yield* ok("fetchOrderBook", ctx.ex.fetchOrderBook(ctx.symbol))
        const now = yield* ctx.now
        yield* expectNone("fetchOrderBook", Invariants.checkOrderBook(book, ctx.market, { now }))
        const top = yield* ok("fetchOrderBook(limit 1)", ctx.ex.fetchOrderBook(ctx.symbol, 1))
        yield* expectNone("fetchOrderBook(limit 1)", Invariants.checkOrderBook(top, ctx.market, { now, limit: 1 }))
      })
    ),

    def("errors.badSymbol", "an unknown symbol fails with BadSymbol", (ctx) =>
      Effect.gen(function* () {
        const bad = Ids.Symbol.make(`NO-SUCH-MARKET-${(yield* ctx.cid).slice(-6)}`)
        yield* refused("fetchOrderBook(unknown symbol)", ctx.ex.fetchOrderBook(bad), "BadSymbol")
        yield* refused(
          "createOrder(unknown symbol)",
          ctx.ex.createOrder(request(ctx, { symbol: bad, side: "buy", price: ctx.grid.priceAt(0) })),
          "BadSymbol"
        )
      })
    ),

    def("orders.lifecycle", "create → fetchOrder → fetchOpenOrders → cancel → gone", (ctx) =>
      Effect.gen(function* () {
        const { order, cid, request: req } = yield* placeRestingBuy(ctx, "create")
        yield* checkEcho("createOrder echo", order, req)
        yield* expectThat("createOrder", order.filled === 0n, "a resting post-only order reports a fill")
        const fetched = yield* ok("fetchOrder", ctx.ex.fetchOrder(order.id, ctx.symbol))
        yield* checkOrder(ctx, "fetchOrder", fetched)
        yield* checkEcho("fetchOrder echo", fetched, req)
        yield* expectThat("fetchOrder", fetched.status === "open", `status ${fetched.status}, expected open`)
        yield* expectThat("fetchOrder", fetched.id === order.id, `id ${fetched.id} ≠ ${order.id}`)
        const byCid = yield* ok("fetchOrderByClientId", ctx.ex.fetchOrderByClientId(cid, ctx.symbol))
        yield* expectThat("fetchOrderByClientId", byCid.id === order.id, `found ${byCid.id}, expected ${order.id}`)
        const open = yield* ok("fetchOpenOrders", ctx.ex.fetchOpenOrders({ symbol: ctx.symbol }))
        yield* expectThat(
          "fetchOpenOrders",
          open.some((o) => o.id === order.id),
          `${order.id} is not listed`
        )
        const now = yield* ctx.now
        yield* expectNone(
          "fetchOpenOrders",
          open.flatMap((o) => [
            ...Invariants.checkOrder(o, ctx.market, now),
            ...(isOpenish(o) ? [] : [`order ${o.id} is listed open with status ${o.status}`]),
            ...(o.symbol === ctx.symbol ? [] : [`order ${o.id} of ${o.symbol} listed for ${ctx.symbol}`])
          ])
        )
        const all = yield* ok("fetchOpenOrders()", ctx.ex.fetchOpenOrders())
        yield* expectThat(
          "fetchOpenOrders()",
          all.some((o) => o.id === order.id),
          `${order.id} is not listed`
        )
        const canceled = yield* ok("cancelOrder", ctx.ex.cancelOrder(order.id, ctx.symbol))
        yield* checkOrder(ctx, "cancelOrder", canceled)
        yield* expectThat(
          "cancelOrder",
          canceled.status === "canceled" || canceled.status === "pending_cancel",
          `cancel returned status ${canceled.status}`
        )
        const after = yield* ok("fetchOrder after cancel", ctx.ex.fetchOrder(order.id, ctx.symbol))
        yield* checkOrder(ctx, "fetchOrder after cancel", after)
        yield* expectThat("fetchOrder after cancel", after.status === "canceled", `status ${after.status}`)
        const openAfter = yield* ok("fetchOpenOrders after cancel", ctx.ex.fetchOpenOrders({ symbol: ctx.symbol }))
        yield* expectThat(
          "fetchOpenOrders after cancel",
          !openAfter.some((o) => o.id === order.id),
          `${order.id} is still listed open`
        )
      })
    ),

    def("orders.postOnlyCross", "a post-only order that would cross fails with PostOnlyWouldCross", (ctx) =>
      Effect.gen(function* () {
        if (!ctx.ex.features.postOnly) {
          const book = yield* ok("fetchOrderBook", ctx.ex.fetchOrderBook(ctx.symbol))
          const price = yield* lowBuyPrice(ctx, book)
          yield* refused(
            "post-only (features.postOnly false)",
            ctx.ex.createOrder(request(ctx, { side: "buy", price, postOnly: true })),
            "NotSupported",
            "InvalidOrder"
          )
          return
        }
        let askPrice = yield* foreignAsk(ctx, options, "seed")
        if (askPrice === undefined) {
          const book = yield* ok("fetchOrderBook", ctx.ex.fetchOrderBook(ctx.symbol))
          const ask = book.asks[0]
          if (ask !== undefined) askPrice = ask[0]
          else {
            // no counterparty available: cross our own resting sell
            const own = yield* placeRestingSell(ctx, "own resting sell")
            askPrice = own.price
          }
        }
        const cid = yield* ctx.cid
        yield* refused(
          "post-only buy at the best ask",
          ctx.ex.createOrder(request(ctx, { side: "buy", price: askPrice, postOnly: true, clientOrderId: cid })),
          "PostOnlyWouldCross"
        )
        const open = yield* ok("fetchOpenOrders", ctx.ex.fetchOpenOrders({ symbol: ctx.symbol }))
        yield* expectThat(
          "fetchOpenOrders after the refusal",
          !open.some((o) => o.clientOrderId === cid),
          "the refused post-only order is open"
        )
        const book = yield* ok("fetchOrderBook", ctx.ex.fetchOrderBook(ctx.symbol))
        yield* expectNone("book after the refusal", Invariants.checkOrderBook(book, ctx.market))
      })
    ),

    def("errors.orderNotFound", "fetchOrder / cancelOrder of an unknown id fail with OrderNotFound", (ctx) =>
      Effect.gen(function* () {
        const unknown = Ids.OrderId.make(`no-such-order-${(yield* ctx.cid).slice(-8)}`)
        yield* refused("fetchOrder(unknown)", ctx.ex.fetchOrder(unknown, ctx.symbol), "OrderNotFound")
        yield* refused("cancelOrder(unknown)", ctx.ex.cancelOrder(unknown, ctx.symbol), "OrderNotFound")
        yield* refused(
          "fetchOrderByClientId(unknown)",
          ctx.ex.fetchOrderByClientId(yield* ctx.cid, ctx.symbol),
          "OrderNotFound"
        )
      })
    ),

    def("errors.invalidOrder", "off-grid prices and off-step amounts fail with InvalidOrder", (ctx) =>
      Effect.gen(function* () {
        const book = yield* ok("fetchOrderBook", ctx.ex.fetchOrderBook(ctx.symbol))
        const low = yield* lowBuyPrice(ctx, book)
        const cids: Array<Ids.ClientOrderId> = []
        if (ctx.grid.size > 1) {
          const offGrid = D.add(low, D.div(ctx.grid.stepAt(0), D.int(2), "floor"))
          if (!ctx.grid.isOnGrid(offGrid) && offGrid > 0n) {
            const cid = yield* ctx.cid
            cids.push(cid)
            yield* refused(
              "off-grid price",
              ctx.ex.createOrder(request(ctx, { side: "buy", price: offGrid, clientOrderId: cid })),
              "InvalidOrder"
            )
          }
        }
        const above = D.add(ctx.grid.maxPrice, ctx.grid.finestStep)
        const cidAbove = yield* ctx.cid
        cids.push(cidAbove)
        yield* refused(
          "price above the grid",
          ctx.ex.createOrder(request(ctx, { side: "sell", price: above, clientOrderId: cidAbove })),
          "InvalidOrder"
        )
        const half = D.div(ctx.market.amountStep, D.int(2), "floor")
        if (half > 0n) {
          const cid = yield* ctx.cid
          cids.push(cid)
          yield* refused(
            "amount off the lot step",
            ctx.ex.createOrder(
              request(ctx, { side: "buy", price: low, amount: D.add(ctx.amount, half), clientOrderId: cid })
            ),
            "InvalidOrder"
          )
        }
        if (ctx.market.minAmount > ctx.market.amountStep) {
          const cid = yield* ctx.cid
          cids.push(cid)
          yield* refused(
            "amount below minAmount",
            ctx.ex.createOrder(
              request(ctx, { side: "buy", price: low, amount: ctx.market.amountStep, clientOrderId: cid })
            ),
            "InvalidOrder"
          )
        }
        const open = yield* ok("fetchOpenOrders", ctx.ex.fetchOpenOrders({ symbol: ctx.symbol }))
        yield* expectThat(
          "fetchOpenOrders after refusals",
          !open.some((o) => o.clientOrderId !== undefined && cids.includes(o.clientOrderId)),
          "a refused order is open"
        )
      })
    ),

    def("orders.duplicateClientOrderId", "a reused clientOrderId fails with DuplicateClientOrderId", (ctx) =>
      Effect.gen(function* () {
        const { cid, price } = yield* placeRestingBuy(ctx, "first order")
        if (!ctx.ex.features.clientOrderId) return
        yield* refused(
          "second order with the same clientOrderId",
          ctx.ex.createOrder(request(ctx, { side: "buy", price, clientOrderId: cid, postOnly: true })),
          "DuplicateClientOrderId"
        )
        const open = yield* ok("fetchOpenOrders", ctx.ex.fetchOpenOrders({ symbol: ctx.symbol }))
        const same = open.filter((o) => o.clientOrderId === cid)
        yield* expectThat("fetchOpenOrders", same.length === 1, `${same.length} open orders carry ${cid}`)
      })
    ),

    def("orders.timeInForce", "IOC and FOK orders that cannot fill never rest", (ctx) =>
      Effect.gen(function* () {
        const book = yield* ok("fetchOrderBook", ctx.ex.fetchOrderBook(ctx.symbol))
        const low = yield* lowBuyPrice(ctx, book)
        for (const tif of ["IOC", "FOK"] as const) {
          const req = request(ctx, { side: "buy", price: low, timeInForce: tif, clientOrderId: yield* ctx.cid })
          if (!ctx.ex.features.timeInForce.includes(tif)) {
            yield* refused(`${tif} (not in features)`, ctx.ex.createOrder(req), "NotSupported", "InvalidOrder")
            continue
          }
          const order = yield* ok(`${tif} createOrder`, ctx.ex.createOrder(req))
          yield* ctx.track(order)
          yield* checkOrder(ctx, `${tif} order`, order)
          yield* expectThat(`${tif} order`, order.filled === 0n, "filled against nothing")
          yield* expectThat(
            `${tif} order`,
            order.status === "canceled" || order.status === "expired",
            `status ${order.status}, expected canceled or expired`
          )
          const open = yield* ok("fetchOpenOrders", ctx.ex.fetchOpenOrders({ symbol: ctx.symbol }))
          yield* expectThat(`${tif} order`, !open.some((o) => o.id === order.id), "an unfilled IOC/FOK order rests")
        }
      })
    ),

    def("orders.batchCreate", "createOrders: one result per item, in order, the invalid one InvalidOrder", (ctx) =>
      Effect.gen(function* () {
        const book = yield* ok("fetchOrderBook", ctx.ex.fetchOrderBook(ctx.symbol))
        const low = yield* lowBuyPrice(ctx, book)
        const offGrid =
          ctx.grid.size > 1 ? D.add(low, D.div(ctx.grid.stepAt(0), D.int(2), "floor")) : D.add(ctx.grid.maxPrice, low)
        const reqs = [
          request(ctx, { side: "buy", price: low, postOnly: true, clientOrderId: yield* ctx.cid }),
          request(ctx, { side: "buy", price: offGrid, postOnly: true, clientOrderId: yield* ctx.cid }),
          request(ctx, { side: "buy", price: low, postOnly: true, clientOrderId: yield* ctx.cid })
        ].slice(0, Math.max(2, Math.min(3, ctx.ex.features.maxBatchCreate)))
        if (ctx.ex.has.createOrders === false) {
          yield* refused("createOrders (has false)", ctx.ex.createOrders(reqs), "NotSupported")
          return
        }
        const results = yield* ok("createOrders", ctx.ex.createOrders(reqs))
        for (const r of results) if (Either.isRight(r)) yield* ctx.track(r.right)
        yield* expectThat(
          "createOrders",
          results.length === reqs.length,
          `${results.length} results for ${reqs.length} requests`
        )
        for (const [i, r] of results.entries()) {
          const req = reqs[i]!
          if (i === 1) {
            yield* expectThat(
              `createOrders[${i}] (off-grid)`,
              Either.isLeft(r) && r.left._tag === "InvalidOrder",
              Either.isLeft(r) ? `failed with ${describeError(r.left)}` : "succeeded"
            )
          } else if (Either.isLeft(r)) {
            return yield* fail(`createOrders[${i}]`, `failed with ${describeError(r.left)}`)
          } else {
            yield* checkOrder(ctx, `createOrders[${i}]`, r.right)
            yield* checkEcho(`createOrders[${i}] (in request order)`, r.right, req)
          }
        }
      })
    ),

    def("orders.batchCancel", "cancelOrders: one result per id, the unknown one OrderNotFound", (ctx) =>
      Effect.gen(function* () {
        const a = yield* placeRestingBuy(ctx, "first order")
        const b = yield* placeRestingBuy(ctx, "second order")
        const unknown = Ids.OrderId.make(`no-such-order-${(yield* ctx.cid).slice(-8)}`)
        const ids = [a.order.id, unknown, b.order.id].slice(0, Math.max(2, Math.min(3, ctx.ex.features.maxBatchCancel)))
        if (ctx.ex.has.cancelOrders === false) {
          yield* refused("cancelOrders (has false)", ctx.ex.cancelOrders(ids, ctx.symbol), "NotSupported")
          return
        }
        const results = yield* ok("cancelOrders", ctx.ex.cancelOrders(ids, ctx.symbol))
        yield* expectThat("cancelOrders", results.length === ids.length, `${results.length} results for ${ids.length}`)
        for (const [i, r] of results.entries()) {
          if (i === 1) {
            yield* expectThat(
              "cancelOrders[1] (unknown)",
              Either.isLeft(r) && r.left._tag === "OrderNotFound",
              Either.isLeft(r) ? `failed with ${describeError(r.left)}` : "succeeded"
            )
          } else if (Either.isLeft(r)) {
            return yield* fail(`cancelOrders[${i}]`, `failed with ${describeError(r.left)}`)
          } else {
            yield* checkOrder(ctx, `cancelOrders[${i}]`, r.right)
            yield* expectThat(`cancelOrders[${i}]`, r.right.id === ids[i], `result for ${r.right.id}, not ${ids[i]}`)
          }
        }
        const open = yield* ok("fetchOpenOrders", ctx.ex.fetchOpenOrders({ symbol: ctx.symbol }))
        yield* expectThat(
          "fetchOpenOrders after cancelOrders",
          !open.some((o) => ids.includes(o.id)),
          "a canceled order is still open"
        )
      })
    ),

    def("orders.cancelAll", "cancelAllOrders leaves nothing open", (ctx) =>
      Effect.gen(function* () {
        const a = yield* placeRestingBuy(ctx, "resting buy")
        const b = yield* placeRestingSell(ctx, "resting sell")
        if (ctx.ex.has.cancelAllOrders === false) {
          yield* refused("cancelAllOrders (has false)", ctx.ex.cancelAllOrders(ctx.symbol), "NotSupported")
          return
        }
        const canceled = yield* ok("cancelAllOrders", ctx.ex.cancelAllOrders(ctx.symbol))
        for (const o of canceled) yield* checkOrder(ctx, "cancelAllOrders result", o)
        for (const o of [a.order, b.order]) {
          yield* expectThat(
            "cancelAllOrders result",
            canceled.some((c) => c.id === o.id),
            `${o.id} is not reported`
          )
        }
        const open = yield* ok("fetchOpenOrders", ctx.ex.fetchOpenOrders({ symbol: ctx.symbol }))
        yield* expectThat("fetchOpenOrders after cancelAllOrders", open.length === 0, `${open.length} still open`)
        const fetched = yield* ok("fetchOrder", ctx.ex.fetchOrder(a.order.id, ctx.symbol))
        yield* expectThat("fetchOrder after cancelAllOrders", fetched.status === "canceled", `status ${fetched.status}`)
      })
    ),

    def(
      "orders.edit",
      "editOrder changes price and amount (or fails NotSupported when has.editOrder is false)",
      (ctx) =>
        Effect.gen(function* () {
          const { order } = yield* placeRestingBuy(ctx, "order to edit", D.mulInt(ctx.amount, 2))
          if (ctx.ex.has.editOrder === false) {
            yield* refused(
              "editOrder (has false)",
              ctx.ex.editOrder(order.id, ctx.symbol, Order.OrderEdit.make({ amount: ctx.amount })),
              "NotSupported"
            )
            return
          }
          const book = yield* ok("fetchOrderBook", ctx.ex.fetchOrderBook(ctx.symbol))
          const bestAsk = book.asks[0]
          const newPrice = ctx.grid.size > 2 ? ctx.grid.priceAt(1) : order.price
          const priceOk = bestAsk === undefined || newPrice < bestAsk[0]
          const edit = Order.OrderEdit.make({ amount: ctx.amount, ...(priceOk ? { price: newPrice } : {}) })
          const edited = yield* ok("editOrder", ctx.ex.editOrder(order.id, ctx.symbol, edit))
          yield* ctx.track(edited)
          yield* checkOrder(ctx, "editOrder result", edited)
          if (ctx.ex.features.amend) {
            yield* expectThat(
              "editOrder (amend)",
              edited.id === order.id,
              `id changed from ${order.id} to ${edited.id}`
            )
          }
          const fetched = yield* ok("fetchOrder after edit", ctx.ex.fetchOrder(edited.id, ctx.symbol))
          yield* checkOrder(ctx, "fetchOrder after edit", fetched)
          yield* expectNone(
            "edited order",
            [
              fetched.status === "open" ? undefined : `status ${fetched.status}`,
              fetched.amount === ctx.amount
                ? undefined
                : `amount ${D.format(fetched.amount)} ≠ ${D.format(ctx.amount)}`,
              !priceOk || fetched.price === newPrice
                ? undefined
                : `price ${D.format(fetched.price)} ≠ ${D.format(newPrice)}`
            ].filter((x): x is string => x !== undefined)
          )
        })
    ),

    def("account.balance", "fetchBalance: total = free + used, one entry per currency", (ctx) =>
      Effect.gen(function* () {
        if (ctx.ex.has.fetchBalance === false) {
          yield* refused("fetchBalance (has false)", ctx.ex.fetchBalance(), "NotSupported")
          return
        }
        const balances = yield* ok("fetchBalance", ctx.ex.fetchBalance())
        const seen = new Set<string>()
        const problems: Array<string> = []
        for (const b of balances) {
          if (seen.has(b.currency)) problems.push(`currency ${b.currency} listed twice`)
          seen.add(b.currency)
          problems.push(...Invariants.checkBalance(b))
        }
        yield* expectNone("fetchBalance", problems)
        // a resting buy reserves collateral: used must not fall
        const quote = ctx.market.kind._tag === "spot" ? ctx.market.kind.quote : ctx.market.currency
        const before = balances.find((b) => b.currency === quote)
        yield* placeRestingBuy(ctx, "resting buy")
        const afterAll = yield* ok("fetchBalance", ctx.ex.fetchBalance())
        yield* expectNone("fetchBalance with a resting order", afterAll.flatMap(Invariants.checkBalance))
        const after = afterAll.find((b) => b.currency === quote)
        if (before !== undefined && after !== undefined) {
          yield* expectThat(
            "fetchBalance with a resting order",
            after.used >= before.used,
            `used fell from ${D.format(before.used)} to ${D.format(after.used)} with a new resting buy`
          )
        }
      })
    ),

    def("account.positions", "fetchPositions: sound positions, filtered by symbol", (ctx) =>
      Effect.gen(function* () {
        if (ctx.ex.has.fetchPositions === false) {
          yield* refused("fetchPositions (has false)", ctx.ex.fetchPositions(), "NotSupported")
          return
        }
        const markets = yield* ok("loadMarkets", ctx.ex.loadMarkets())
        const positions = yield* ok("fetchPositions", ctx.ex.fetchPositions())
        const now = yield* ctx.now
        const seen = new Set<string>()
        const problems: Array<string> = []
        for (const p of positions) {
          if (seen.has(p.symbol)) problems.push(`position ${p.symbol} listed twice`)
          seen.add(p.symbol)
          problems.push(...Invariants.checkPosition(p, markets.get(p.symbol), now))
        }
        yield* expectNone("fetchPositions", problems)
        const one = yield* ok("fetchPositions([symbol])", ctx.ex.fetchPositions([ctx.symbol]))
        yield* expectThat(
          "fetchPositions([symbol])",
          one.every((p) => p.symbol === ctx.symbol),
          "returned positions of other symbols"
        )
      })
    ),

    def(
      "trades.take",
      "a taking IOC order fills and the fill shows in fetchMyTrades and watchMyTrades",
      (ctx) =>
        Effect.gen(function* () {
          const watching = ctx.ex.has.watchMyTrades !== false
          const fills = watching ? yield* collect(ctx.ex.watchMyTrades(ctx.symbol)) : undefined
          if (watching) yield* Effect.sleep(ctx.subscribeDelay)
          const positionOf =
            ctx.ex.has.fetchPositions === false || ctx.market.kind._tag !== "binary"
              ? Effect.succeed(undefined)
              : ok("fetchPositions", ctx.ex.fetchPositions([ctx.symbol])).pipe(
                  Effect.map((ps) => ps.find((p) => p.symbol === ctx.symbol)?.amount ?? D.ZERO)
                )
          const posBefore = yield* positionOf
          const ask = yield* foreignAsk(ctx, options, "seed")
          if (ask === undefined) return yield* fail("seed", "seedLiquidity is required")
          const req = request(ctx, { side: "buy", price: ask, timeInForce: "IOC", clientOrderId: yield* ctx.cid })
          const order = yield* ok("IOC createOrder", ctx.ex.createOrder(req))
          yield* checkOrder(ctx, "IOC order", order)
          yield* expectThat("IOC order", order.filled === ctx.amount, `filled ${D.format(order.filled)}`)
          yield* expectThat("IOC order", order.status === "closed", `status ${order.status}, expected closed`)
          const now = yield* ctx.now
          const trades = yield* ok("fetchMyTrades", ctx.ex.fetchMyTrades({ symbol: ctx.symbol }))
          const mine = trades.filter((t) => t.orderId === order.id)
          yield* expectNone(
            "fetchMyTrades",
            trades.flatMap((t) => Invariants.checkFill(t, ctx.market, now))
          )
          yield* expectThat("fetchMyTrades", mine.length > 0, `no fill of ${order.id}`)
          const total = D.sum(mine.map((t) => t.amount))
          yield* expectThat("fetchMyTrades", total === order.filled, `fills sum to ${D.format(total)}`)
          yield* expectNone(
            "fetchMyTrades fills",
            mine.flatMap((t) => [
              ...(t.side === "buy" ? [] : [`fill ${t.id} side ${t.side}`]),
              ...(t.takerOrMaker === "taker" ? [] : [`fill ${t.id} is ${t.takerOrMaker}, expected taker`]),
              ...(t.price <= ask ? [] : [`fill ${t.id} at ${D.format(t.price)} above the limit ${D.format(ask)}`]),
              ...(t.clientOrderId === undefined || t.clientOrderId === req.clientOrderId
                ? []
                : [`fill ${t.id} clientOrderId ${t.clientOrderId}`])
            ])
          )
          if (fills !== undefined) {
            let seen = D.ZERO
            yield* awaitMatch(
              "watchMyTrades",
              fills,
              ctx.streamTimeout,
              (f) => {
                if (f.orderId === order.id) seen = D.add(seen, f.amount)
                return seen >= order.filled
              },
              (f) => expectNone("watchMyTrades fill", Invariants.checkFill(f, ctx.market, now))
            )
          } else {
            yield* streamRefused(
              "watchMyTrades (has false)",
              ctx.ex.watchMyTrades(ctx.symbol),
              ctx.streamTimeout,
              "NotSupported"
            )
          }
          if (posBefore !== undefined) {
            const posAfter = yield* positionOf
            if (posAfter !== undefined) {
              const delta = D.sub(posAfter, posBefore)
              yield* expectThat("fetchPositions after the fill", delta === order.filled, `moved by ${D.format(delta)}`)
            }
          }
          if (ctx.ex.has.fetchBalance !== false) {
            const balances = yield* ok("fetchBalance", ctx.ex.fetchBalance())
            yield* expectNone("fetchBalance after the fill", balances.flatMap(Invariants.checkBalance))
          }
        }),
      "seedLiquidity"
    ),

    def("streams.orderBook", "watchOrderBook emits a valid book, then the change our order makes", (ctx) =>
      Effect.gen(function* () {
        if (ctx.ex.has.watchOrderBook === false) {
          yield* streamRefused(
            "watchOrderBook (has false)",
            ctx.ex.watchOrderBook(ctx.symbol),
            ctx.streamTimeout,
            "NotSupported"
          )
          return
        }
        const books = yield* collect(ctx.ex.watchOrderBook(ctx.symbol))
        const validate = (b: OrderBook) =>
          Effect.flatMap(ctx.now, (now) =>
            expectNone("watchOrderBook", Invariants.checkOrderBook(b, ctx.market, { now }))
          )
        const first = yield* awaitMatch("watchOrderBook snapshot", books, ctx.streamTimeout, () => true, validate)
        const low = ctx.grid.priceAt(0)
        const before = first.bids.find(([p]) => p === low)?.[1] ?? D.ZERO
        const { order } = yield* placeRestingBuy(ctx, "resting buy")
        yield* awaitMatch(
          "watchOrderBook change",
          books,
          ctx.streamTimeout,
          (b) => (b.bids.find(([p]) => p === low)?.[1] ?? D.ZERO) >= D.add(before, order.amount),
          validate
        )
      })
    ),

    def("streams.book", "watchBook emits integer views on the market's grid, then the change our order makes", (ctx) =>
      Effect.gen(function* () {
        if (ctx.ex.has.watchBook === false) {
          yield* streamRefused("watchBook (has false)", ctx.ex.watchBook(ctx.symbol), ctx.streamTimeout, "NotSupported")
          return
        }
        const views = yield* collect(ctx.ex.watchBook(ctx.symbol))
        let version = Number.NEGATIVE_INFINITY
        const validate = (v: OB.BookView) =>
          Effect.gen(function* () {
            const now = yield* ctx.now
            yield* expectThat("watchBook version", v.version > version, `${v.version} after ${version}`)
            version = v.version
            yield* expectThat("watchBook grid", v.grid.size === ctx.grid.size, `${v.grid.size} levels`)
            const book = v.toOrderBook()
            yield* expectNone("watchBook view", Invariants.checkOrderBook(book, ctx.market, { now }))
            // the integers are the Decimal book's levels and lots
            for (const side of ["bid", "ask"] as const) {
              const ls = v.levels(side)
              const levels = side === "bid" ? book.bids : book.asks
              const same =
                ls.levels.length === levels.length &&
                levels.every(
                  ([p, a], i) => v.grid.priceAt(ls.levels[i]!) === p && D.mulInt(v.lotStep, ls.lots[i]!) === a
                )
              yield* expectThat(`watchBook ${side} levels`, same, "integers and Decimal book disagree")
            }
            yield* expectThat(
              "watchBook best bid",
              v.bestLevel("bid") === (book.bids[0] === undefined ? -1 : ctx.grid.levelOf(book.bids[0][0])),
              `level ${v.bestLevel("bid")}`
            )
          })
        const lotsAt0 = (v: OB.BookView) => {
          const ls = v.levels("bid")
          for (let i = 0; i < ls.levels.length; i++) if (ls.levels[i] === 0) return ls.lots[i]!
          return 0
        }
        const first = yield* awaitMatch("watchBook first view", views, ctx.streamTimeout, () => true, validate)
        const before = D.mulInt(first.lotStep, lotsAt0(first))
        const { order } = yield* placeRestingBuy(ctx, "resting buy")
        yield* awaitMatch(
          "watchBook change",
          views,
          ctx.streamTimeout,
          (v) => D.mulInt(v.lotStep, lotsAt0(v)) >= D.add(before, order.amount),
          validate
        )
      })
    ),

    def("streams.orders", "watchOrders sees our create and cancel", (ctx) =>
      Effect.gen(function* () {
        if (ctx.ex.has.watchOrders === false) {
          yield* streamRefused(
            "watchOrders (has false)",
            ctx.ex.watchOrders(ctx.symbol),
            ctx.streamTimeout,
            "NotSupported"
          )
          return
        }
        const events = yield* collect(ctx.ex.watchOrders(ctx.symbol))
        yield* Effect.sleep(ctx.subscribeDelay)
        const { order } = yield* placeRestingBuy(ctx, "resting buy")
        const validate = (o: Order.Order) => checkOrder(ctx, "watchOrders event", o)
        yield* awaitMatch(
          "watchOrders (create)",
          events,
          ctx.streamTimeout,
          (o) => o.id === order.id && o.status === "open",
          validate
        )
        yield* ok("cancelOrder", ctx.ex.cancelOrder(order.id, ctx.symbol))
        yield* awaitMatch(
          "watchOrders (cancel)",
          events,
          ctx.streamTimeout,
          (o) => o.id === order.id && o.status === "canceled",
          validate
        )
      })
    ),

    def("structure.openOrders", "every open order is sound and nothing is left open", (ctx) =>
      Effect.gen(function* () {
        const open = yield* ok("fetchOpenOrders", ctx.ex.fetchOpenOrders())
        const markets = yield* ok("loadMarkets", ctx.ex.loadMarkets())
        const now = yield* ctx.now
        yield* expectNone(
          "fetchOpenOrders()",
          open.flatMap((o) => Invariants.checkOrder(o, markets.get(o.symbol), now))
        )
        const ids = new Set(open.map((o) => o.id))
        yield* expectThat("fetchOpenOrders()", ids.size === open.length, "an order is listed twice")
      })
    )
  ]
  return [...list, ...faultCases(options)]
}

/** One case by id (throws if there is none: a typo in a test). */
export const caseById = <R = never>(options: Options<R>, id: string): Case<R> => {
  const c = cases(options).find((x) => x.id === id)
  if (c === undefined) throw new Error(`no conformance case ${id}`)
  return c
}

/**
 * Registers the suite: a `describe(name)` with one venue built from `exchangeLayer` (live clock, shared by
 * every case) and one test per case. Cases run one after the other.
 */
export const suite = <R = never, E = never>(
  name: string,
  exchangeLayer: Layer.Layer<Exchange.Exchange | R, E>,
  options: Options<R>
): void =>
  layer(exchangeLayer, { excludeTestServices: true, timeout: "60 seconds" })(name, (it) => {
    const timeoutMs = Duration.toMillis(options.timeout ?? "20 seconds") + 5_000
    for (const c of cases(options).filter(options.select ?? (() => true))) {
      const lacking = missing(c, options)
      if (lacking.length > 0) {
        it.effect.skip(`${c.name} (needs ${lacking.join(" and ")})`, () => c.run)
      } else {
        it.effect(c.name, () => c.run, timeoutMs)
      }
    }
  })
