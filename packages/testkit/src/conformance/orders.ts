/** Conformance cases — Orders: lifecycle, post-only, not found, invalid, duplicate ids, time in force, batches, cancel-all. */
import { Decimal as D, Ids, Order } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Invariants from "../Invariants.js"
import {
  type Case,
  checkEcho,
  checkOrder,
  defineCase,
  describeError,
  expectNone,
  expectThat,
  fail,
  foreignAsk,
  isOpenish,
  lowBuyPrice,
  type Options,
  ok,
  placeRestingBuy,
  placeRestingSell,
  refused,
  request
} from "./Ctx.js"

export const ordersCases = <R>(options: Options<R>): ReadonlyArray<Case<R>> => {
  const def = defineCase(options)
  return [
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
    )
  ]
}
