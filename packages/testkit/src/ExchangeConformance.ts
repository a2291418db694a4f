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
import {
  Decimal as D,
  type Exchange as Ex,
  Exchange,
  type ExchangeError as ExErr,
  Ids,
  type Market as M,
  type OrderBook as OB,
  Order,
  type TickGrid as TG
} from "@alpha-hunter/core"
import { layer } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Failure from "./ConformanceFailure.js"
import * as Invariants from "./Invariants.js"

type ConformanceFailure = Failure.ConformanceFailure
type ExchangeError = ExErr.ExchangeError
type ErrorTag = ExchangeError["_tag"]
type Market = M.Market
type OrderBook = OB.OrderBook
type ExchangeService = Ex.ExchangeService

/** Resting liquidity placed by another participant. */
export interface SeedArgs {
  readonly symbol: Ids.Symbol
  readonly side: Order.Side
  readonly price: D.Decimal
  readonly amount: D.Decimal
}

export interface Options<R = never> {
  /** an open market to trade in */
  readonly symbol: Ids.Symbol
  /**
   * Places resting liquidity by ANOTHER participant (so a post-only cross and a taking order can be
   * provoked). Without it, the cases that need a counterparty are skipped.
   */
  readonly seedLiquidity?: (args: SeedArgs) => Effect.Effect<void, unknown, R>
  /** time limit of one case (default 20 s) */
  readonly timeout?: Duration.DurationInput
  /** how long to wait for a stream to show an expected event (default 5 s) */
  readonly streamTimeout?: Duration.DurationInput
  /** head start given to a stream subscription before provoking events (default 100 ms) */
  readonly subscribeDelay?: Duration.DurationInput
  /** prefix of the client order ids the suite generates (default "conf-") */
  readonly clientIdPrefix?: string
}

export interface Case<R = never> {
  /** stable identifier, e.g. "orders.postOnlyCross" */
  readonly id: string
  /** the test's title */
  readonly name: string
  /** cases that need `seedLiquidity` are skipped when it is not given */
  readonly requires?: "seedLiquidity"
  readonly run: Effect.Effect<void, ConformanceFailure, Exchange.Exchange | R>
}

// ---- helpers -----------------------------------------------------------------------------------

const fail = (check: string, ...problems: ReadonlyArray<string>) => Effect.fail(Failure.make(check, problems))

const expectNone = (check: string, problems: ReadonlyArray<string>): Effect.Effect<void, ConformanceFailure> =>
  problems.length === 0 ? Effect.void : Effect.fail(Failure.make(check, problems))

const expectThat = (check: string, cond: boolean, problem: string): Effect.Effect<void, ConformanceFailure> =>
  cond ? Effect.void : fail(check, problem)

const describeError = (e: ExchangeError): string => `${e._tag}: ${e.message}`

/** Runs a call that must succeed; any ExchangeError becomes a ConformanceFailure naming the step. */
const ok = <A, R>(step: string, eff: Effect.Effect<A, ExchangeError, R>): Effect.Effect<A, ConformanceFailure, R> =>
  Effect.mapError(eff, (e) => Failure.make(step, [`unexpected ${describeError(e)}`]))

const show = (a: unknown): string => {
  if (a instanceof Order.Order) return `order ${a.id} status ${a.status}`
  return typeof a
}

/** Runs a call that must fail with one of `tags`; success or any other error is a ConformanceFailure. */
const refused = <A, R>(
  step: string,
  eff: Effect.Effect<A, ExchangeError, R>,
  ...tags: ReadonlyArray<ErrorTag>
): Effect.Effect<ExchangeError, ConformanceFailure, R> =>
  Effect.matchEffect(eff, {
    onSuccess: (a) => fail(step, `succeeded (${show(a)}) but must fail with ${tags.join(" or ")}`),
    onFailure: (e) =>
      tags.includes(e._tag)
        ? Effect.succeed(e)
        : fail(step, `failed with ${describeError(e)} instead of ${tags.join(" or ")}`)
  })

/** A stream that must fail with one of `tags` before emitting anything. */
const streamRefused = <A>(
  step: string,
  stream: Stream.Stream<A, ExchangeError>,
  timeout: Duration.DurationInput,
  ...tags: ReadonlyArray<ErrorTag>
): Effect.Effect<void, ConformanceFailure> =>
  refused(step, Stream.runHead(stream), ...tags).pipe(
    Effect.asVoid,
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => Failure.make(step, ["the stream neither failed nor ended"])
    })
  )

interface Ctx {
  readonly ex: ExchangeService
  readonly market: Market
  readonly grid: TG.TickGrid
  readonly symbol: Ids.Symbol
  /** the smallest valid amount */
  readonly amount: D.Decimal
  readonly now: Effect.Effect<number>
  readonly cid: Effect.Effect<Ids.ClientOrderId>
  /** remembers an order id so the case cancels it at the end */
  readonly track: (order: Order.Order) => Effect.Effect<void>
  readonly streamTimeout: Duration.DurationInput
  readonly subscribeDelay: Duration.DurationInput
}

const makeCtx = <R>(
  options: Options<R>,
  tracked: Ref.Ref<ReadonlyArray<Ids.OrderId>>,
  counter: Ref.Ref<number>
): Effect.Effect<Ctx, ConformanceFailure, Exchange.Exchange> =>
  Effect.gen(function* () {
    const ex = yield* Exchange.Exchange
    const markets = yield* ok("loadMarkets", ex.loadMarkets())
    const market = markets.get(options.symbol)
    if (market === undefined) return yield* fail("setup", `loadMarkets has no market ${options.symbol}`)
    const grid = Invariants.gridOf(market)
    if (Either.isLeft(grid)) return yield* fail("setup", `market ${options.symbol}: ${grid.left}`)
    const amount = D.max(market.minAmount, market.amountStep)
    const prefix = options.clientIdPrefix ?? "conf-"
    const run = (yield* Random.nextIntBetween(0, 36 ** 4)).toString(36)
    const epoch = (yield* Clock.currentTimeMillis).toString(36)
    return {
      ex,
      market,
      grid: grid.right,
      symbol: options.symbol,
      amount,
      now: Clock.currentTimeMillis,
      cid: Ref.getAndUpdate(counter, (n) => n + 1).pipe(
        Effect.map((n) => Ids.ClientOrderId.make(`${prefix}${epoch}-${run}-${n.toString(36)}`))
      ),
      track: (o) => Ref.update(tracked, (ids) => [...ids, o.id]),
      streamTimeout: options.streamTimeout ?? "5 seconds",
      subscribeDelay: options.subscribeDelay ?? "100 millis"
    }
  })

const isOpenish = (o: Order.Order) => !Order.isTerminal(o.status)

/**
 * Wraps a case body: builds the context, enforces the timeout and cancels every order the case tracked,
 * whatever happened.
 */
const defineCase =
  <R>(options: Options<R>) =>
  <R2>(
    id: string,
    name: string,
    body: (ctx: Ctx) => Effect.Effect<void, ConformanceFailure, R2 | Scope.Scope>,
    requires?: "seedLiquidity"
  ): Case<Exclude<R2, Exchange.Exchange | Scope.Scope>> => ({
    id,
    name,
    ...(requires === undefined ? {} : { requires }),
    run: Effect.gen(function* () {
      const tracked = yield* Ref.make<ReadonlyArray<Ids.OrderId>>([])
      const counter = yield* Ref.make(0)
      const ctx = yield* makeCtx(options, tracked, counter)
      const cleanup = Ref.get(tracked).pipe(
        Effect.flatMap((ids) =>
          Effect.forEach(ids, (oid) => Effect.ignore(ctx.ex.cancelOrder(oid, ctx.symbol)), { discard: true })
        )
      )
      yield* body(ctx).pipe(Effect.scoped, Effect.ensuring(cleanup))
    }).pipe(
      Effect.timeoutFail({
        duration: options.timeout ?? "20 seconds",
        onTimeout: () => Failure.make(name, ["timed out"])
      })
    ) as Effect.Effect<void, ConformanceFailure, Exchange.Exchange | Exclude<R2, Exchange.Exchange | Scope.Scope>>
  })

/** A price for a buy that rests (the lowest grid price, below every ask). */
const lowBuyPrice = (ctx: Ctx, book: OrderBook): Effect.Effect<D.Decimal, ConformanceFailure> => {
  const p = ctx.grid.priceAt(0)
  const ask = book.asks[0]
  return ask !== undefined && ask[0] <= p
    ? fail("setup", `the best ask ${D.format(ask[0])} leaves no room for a resting buy`)
    : Effect.succeed(p)
}

/** A price for a sell that rests (the highest grid price, above every bid). */
const highSellPrice = (ctx: Ctx, book: OrderBook): Effect.Effect<D.Decimal, ConformanceFailure> => {
  const p = ctx.grid.priceAt(ctx.grid.size - 1)
  const bid = book.bids[0]
  return bid !== undefined && bid[0] >= p
    ? fail("setup", `the best bid ${D.format(bid[0])} leaves no room for a resting sell`)
    : Effect.succeed(p)
}

const request = (
  ctx: Ctx,
  fields: {
    readonly side: Order.Side
    readonly price: D.Decimal
    readonly amount?: D.Decimal
    readonly clientOrderId?: Ids.ClientOrderId
    readonly postOnly?: boolean
    readonly timeInForce?: Order.TimeInForce
    readonly symbol?: Ids.Symbol
  }
) =>
  Order.OrderRequest.make({
    symbol: fields.symbol ?? ctx.symbol,
    side: fields.side,
    price: fields.price,
    amount: fields.amount ?? ctx.amount,
    timeInForce: fields.timeInForce ?? "GTC",
    postOnly: fields.postOnly ?? false,
    ...(fields.clientOrderId === undefined ? {} : { clientOrderId: fields.clientOrderId })
  })

/** Creates a post-only buy at the bottom of the grid; checks it rests and tracks it for cleanup. */
const placeRestingBuy = (ctx: Ctx, step: string, amount?: D.Decimal) =>
  Effect.gen(function* () {
    const book = yield* ok(`${step}: fetchOrderBook`, ctx.ex.fetchOrderBook(ctx.symbol))
    const price = yield* lowBuyPrice(ctx, book)
    const cid = yield* ctx.cid
    const req = request(ctx, {
      side: "buy",
      price,
      clientOrderId: cid,
      postOnly: true,
      ...(amount === undefined ? {} : { amount })
    })
    const order = yield* ok(`${step}: createOrder`, ctx.ex.createOrder(req))
    yield* ctx.track(order)
    yield* checkOrder(ctx, `${step}: created order`, order)
    yield* expectThat(step, isOpenish(order), `a resting post-only buy came back ${order.status}`)
    return { order, cid, price, request: req }
  })

const placeRestingSell = (ctx: Ctx, step: string) =>
  Effect.gen(function* () {
    const book = yield* ok(`${step}: fetchOrderBook`, ctx.ex.fetchOrderBook(ctx.symbol))
    const price = yield* highSellPrice(ctx, book)
    const cid = yield* ctx.cid
    const order = yield* ok(
      `${step}: createOrder`,
      ctx.ex.createOrder(request(ctx, { side: "sell", price, clientOrderId: cid, postOnly: true }))
    )
    yield* ctx.track(order)
    yield* checkOrder(ctx, `${step}: created order`, order)
    yield* expectThat(step, isOpenish(order), `a resting post-only sell came back ${order.status}`)
    return { order, cid, price }
  })

const checkOrder = (ctx: Ctx, step: string, order: Order.Order) =>
  Effect.flatMap(ctx.now, (now) => expectNone(step, Invariants.checkOrder(order, ctx.market, now)))

/** Every field the venue must echo back from the request. */
const checkEcho = (step: string, order: Order.Order, req: Order.OrderRequest) =>
  expectNone(
    step,
    [
      order.symbol !== req.symbol ? `symbol ${order.symbol} ≠ ${req.symbol}` : undefined,
      order.side !== req.side ? `side ${order.side} ≠ ${req.side}` : undefined,
      order.price !== req.price ? `price ${D.format(order.price)} ≠ ${D.format(req.price)}` : undefined,
      order.amount !== req.amount ? `amount ${D.format(order.amount)} ≠ ${D.format(req.amount)}` : undefined,
      req.clientOrderId !== undefined && order.clientOrderId !== req.clientOrderId
        ? `clientOrderId ${order.clientOrderId} ≠ ${req.clientOrderId}`
        : undefined
    ].filter((x): x is string => x !== undefined)
  )

/** An ask of another participant to trade against: seeded when `seedLiquidity` is given. */
const foreignAsk = <R>(
  ctx: Ctx,
  options: Options<R>,
  step: string
): Effect.Effect<D.Decimal | undefined, ConformanceFailure, R> =>
  Effect.gen(function* () {
    if (options.seedLiquidity === undefined) return undefined
    const book = yield* ok(`${step}: fetchOrderBook`, ctx.ex.fetchOrderBook(ctx.symbol))
    const bestBid = book.bids[0]
    const bestAsk = book.asks[0]
    let price: D.Decimal
    if (bestAsk !== undefined) price = bestAsk[0]
    else {
      const floor = bestBid === undefined ? 0 : ctx.grid.levelOf(bestBid[0]) + 1
      const level = Math.min(ctx.grid.size - 1, Math.max(floor, Math.floor(ctx.grid.size / 2)))
      price = ctx.grid.priceAt(level)
    }
    yield* options
      .seedLiquidity({ symbol: ctx.symbol, side: "sell", price, amount: ctx.amount })
      .pipe(Effect.mapError((e) => Failure.make(`${step}: seedLiquidity`, [String(e)])))
    const after = yield* ok(`${step}: fetchOrderBook`, ctx.ex.fetchOrderBook(ctx.symbol))
    const ask = after.asks[0]
    if (ask === undefined || ask[0] > price) return yield* fail(step, "seeded ask does not show in the book")
    return ask[0]
  })

/** Collects a stream into a queue (values and the error, if any) in the background of the case's scope. */
const collect = <A>(stream: Stream.Stream<A, ExchangeError>) =>
  Effect.gen(function* () {
    const q = yield* Queue.unbounded<Either.Either<A, ExchangeError>>()
    yield* stream.pipe(
      Stream.either,
      Stream.runForEach((x) => Queue.offer(q, x)),
      Effect.catchAllCause(() => Effect.void),
      Effect.forkScoped
    )
    return q
  })

/** Takes from a collected stream until `pred` holds, validating each element; fails on timeout or stream error. */
const awaitMatch = <A>(
  step: string,
  q: Queue.Dequeue<Either.Either<A, ExchangeError>>,
  timeout: Duration.DurationInput,
  pred: (a: A) => boolean,
  validate: (a: A) => Effect.Effect<void, ConformanceFailure> = () => Effect.void
): Effect.Effect<A, ConformanceFailure> =>
  Effect.gen(function* () {
    while (true) {
      const x = yield* Queue.take(q)
      if (Either.isLeft(x)) return yield* fail(step, `the stream failed: ${describeError(x.left)}`)
      yield* validate(x.right)
      if (pred(x.right)) return x.right
    }
  }).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => Failure.make(step, ["expected event did not arrive"]) })
  )

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
  return list
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
    for (const c of cases(options)) {
      if (c.requires === "seedLiquidity" && options.seedLiquidity === undefined) {
        it.effect.skip(`${c.name} (needs seedLiquidity)`, () => c.run)
      } else {
        it.effect(c.name, () => c.run, timeoutMs)
      }
    }
  })
