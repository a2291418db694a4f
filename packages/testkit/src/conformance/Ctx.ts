/**
 * What the conformance cases share: the options a venue passes, the per-case context (the exchange, the
 * market, fresh client order ids, cleanup) and the assertion helpers. Split from `ExchangeConformance.ts`.
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
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Failure from "../ConformanceFailure.js"
import * as Invariants from "../Invariants.js"

export type ConformanceFailure = Failure.ConformanceFailure
export type ExchangeError = ExErr.ExchangeError
export type ErrorTag = ExchangeError["_tag"]
export type Market = M.Market
export type OrderBook = OB.OrderBook
export type ExchangeService = Ex.ExchangeService

/** Resting liquidity placed by another participant. */
export interface SeedArgs {
  readonly symbol: Ids.Symbol
  readonly side: Order.Side
  readonly price: D.Decimal
  readonly amount: D.Decimal
}

/** The write answers a venue's fault injection can spoil (applied by the venue, answered 2xx undecodably). */
export type SpoiledWrite = "create" | "batchCreate" | "cancel" | "batchCancel" | "amend"

/**
 * Fault injection into the venue (or the transport in front of it), for the fault cases. Each switch
 * affects the next matching event only.
 */
export interface Faults<R = never> {
  /** the venue applies the next write, but its answer never arrives (the connection drops) */
  readonly loseNextAnswer: Effect.Effect<void, unknown, R>
  /** the venue applies the next write of this kind and answers 2xx with a body that does not decode */
  readonly spoilNextAnswer: (write: SpoiledWrite) => Effect.Effect<void, unknown, R>
  /** the next write meets 429s until the driver's re-admissions are spent (the venue does nothing) */
  readonly rateLimitNextWrite: Effect.Effect<void, unknown, R>
  /** drops the push connection without a close (the driver reconnects) */
  readonly dropSocket: Effect.Effect<void, unknown, R>
  /** the next push message skips a sequence number */
  readonly skipSeq: Effect.Effect<void, unknown, R>
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
  /** fault injection; without it the fault cases are skipped */
  readonly faults?: Faults<R>
  /** which cases `suite` registers (default: all) */
  readonly select?: (c: Case<R>) => boolean
}

export type Requirement = "seedLiquidity" | "faults"

/** The requirements of a case that `options` does not meet. */
export const missing = <R>(c: Case<R>, options: Options<R>): ReadonlyArray<Requirement> =>
  (c.requires === undefined ? [] : typeof c.requires === "string" ? [c.requires] : c.requires).filter((r) =>
    r === "seedLiquidity" ? options.seedLiquidity === undefined : options.faults === undefined
  )

export interface Case<R = never> {
  /** stable identifier, e.g. "orders.postOnlyCross" */
  readonly id: string
  /** the test's title */
  readonly name: string
  /** cases that need `seedLiquidity` (or `faults`, or both) are skipped when it is not given */
  readonly requires?: Requirement | ReadonlyArray<Requirement>
  readonly run: Effect.Effect<void, ConformanceFailure, Exchange.Exchange | R>
}

// ---- helpers -----------------------------------------------------------------------------------

export const fail = (check: string, ...problems: ReadonlyArray<string>) => Effect.fail(Failure.make(check, problems))

export const expectNone = (check: string, problems: ReadonlyArray<string>): Effect.Effect<void, ConformanceFailure> =>
  problems.length === 0 ? Effect.void : Effect.fail(Failure.make(check, problems))

export const expectThat = (check: string, cond: boolean, problem: string): Effect.Effect<void, ConformanceFailure> =>
  cond ? Effect.void : fail(check, problem)

export const describeError = (e: ExchangeError): string => `${e._tag}: ${e.message}`

/** Runs a call that must succeed; any ExchangeError becomes a ConformanceFailure naming the step. */
export const ok = <A, R>(
  step: string,
  eff: Effect.Effect<A, ExchangeError, R>
): Effect.Effect<A, ConformanceFailure, R> =>
  Effect.mapError(eff, (e) => Failure.make(step, [`unexpected ${describeError(e)}`]))

export const show = (a: unknown): string => {
  if (a instanceof Order.Order) return `order ${a.id} status ${a.status}`
  return typeof a
}

/** Runs a call that must fail with one of `tags`; success or any other error is a ConformanceFailure. */
export const refused = <A, R>(
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
export const streamRefused = <A>(
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

export interface Ctx {
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

export const makeCtx = <R>(
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

export const isOpenish = (o: Order.Order) => !Order.isTerminal(o.status)

/**
 * Wraps a case body: builds the context, enforces the timeout and cancels every order the case tracked,
 * whatever happened.
 */
export const defineCase =
  <R>(options: Options<R>) =>
  <R2>(
    id: string,
    name: string,
    body: (ctx: Ctx) => Effect.Effect<void, ConformanceFailure, R2 | Scope.Scope>,
    requires?: Requirement | ReadonlyArray<Requirement>
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
export const lowBuyPrice = (ctx: Ctx, book: OrderBook): Effect.Effect<D.Decimal, ConformanceFailure> => {
  const p = ctx.grid.priceAt(0)
  const ask = book.asks[0]
  return ask !== undefined && ask[0] <= p
    ? fail("setup", `the best ask ${D.format(ask[0])} leaves no room for a resting buy`)
    : Effect.succeed(p)
}

/** A price for a sell that rests (the highest grid price, above every bid). */
export const highSellPrice = (ctx: Ctx, book: OrderBook): Effect.Effect<D.Decimal, ConformanceFailure> => {
  const p = ctx.grid.priceAt(ctx.grid.size - 1)
  const bid = book.bids[0]
  return bid !== undefined && bid[0] >= p
    ? fail("setup", `the best bid ${D.format(bid[0])} leaves no room for a resting sell`)
    : Effect.succeed(p)
}

export const request = (
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
export const placeRestingBuy = (ctx: Ctx, step: string, amount?: D.Decimal) =>
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

export const placeRestingSell = (ctx: Ctx, step: string) =>
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

export const checkOrder = (ctx: Ctx, step: string, order: Order.Order) =>
  Effect.flatMap(ctx.now, (now) => expectNone(step, Invariants.checkOrder(order, ctx.market, now)))

/** Every field the venue must echo back from the request. */
export const checkEcho = (step: string, order: Order.Order, req: Order.OrderRequest) =>
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
export const foreignAsk = <R>(
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
export const collect = <A>(stream: Stream.Stream<A, ExchangeError>) =>
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
export const awaitMatch = <A>(
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
