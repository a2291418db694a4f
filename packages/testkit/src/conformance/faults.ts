/**
 * The fault cases every venue runs when it can inject faults (`Options.faults`): the generic rules of the
 * venue port under a lost answer, an undecodable 2xx answer, a 429 past the re-admissions, a dropped socket
 * and a skipped sequence number — not just the happy path.
 *
 * - an answer that may hide an executed write is `UnknownOutcome`, then resolved by lookup: the order is
 *   found, a retry with the same client order id never makes a second one, and the market takes writes again;
 * - a write that certainly did nothing (429 past the re-admissions) is a certain error, blocks nothing;
 * - after a dropped socket or a skipped sequence number the streams heal: no fill lost or delivered twice,
 *   the book converges to the venue's.
 */
import { Decimal as D, ExchangeError as ExErr, Order } from "@alpha-hunter/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Failure from "../ConformanceFailure.js"
import {
  awaitMatch,
  type Case,
  type ConformanceFailure,
  type Ctx,
  collect,
  defineCase,
  describeError,
  type ExchangeError,
  expectThat,
  type Faults,
  fail,
  foreignAsk,
  lowBuyPrice,
  type Options,
  ok,
  placeRestingBuy,
  request,
  type SpoiledWrite
} from "./Ctx.js"

const inject = <R>(step: string, eff: Effect.Effect<void, unknown, R>) =>
  Effect.mapError(eff, (e) => Failure.make(`${step}: fault injection`, [String(e)]))

const isUnknown = (e: ExchangeError) => ExErr.isUnknownOutcome(e)

/** Retries `eff` while the market is blocked by an unresolved write, for at most `timeout`. */
const whenWritable = <A>(
  step: string,
  timeout: Duration.DurationInput,
  eff: Effect.Effect<A, ExchangeError>
): Effect.Effect<A, ConformanceFailure> =>
  Effect.gen(function* () {
    const deadline = Date.now() + Duration.toMillis(timeout)
    while (true) {
      const r = yield* Effect.either(eff)
      if (Either.isRight(r)) return r.right
      if (r.left._tag !== "WriteBlocked" || Date.now() > deadline) {
        return yield* fail(step, `failed with ${describeError(r.left)}`)
      }
      yield* Effect.sleep("100 millis")
    }
  })

/** Polls `read` until `pred` holds on its value, for at most `timeout`. */
const eventually = <A>(
  step: string,
  timeout: Duration.DurationInput,
  read: Effect.Effect<A, ExchangeError>,
  pred: (a: A) => boolean,
  describe: (a: A | undefined) => string
): Effect.Effect<A, ConformanceFailure> =>
  Effect.gen(function* () {
    const deadline = Date.now() + Duration.toMillis(timeout)
    let last: A | undefined
    while (Date.now() <= deadline) {
      const r = yield* Effect.either(read)
      if (Either.isRight(r)) {
        last = r.right
        if (pred(r.right)) return r.right
      }
      yield* Effect.sleep("100 millis")
    }
    return yield* fail(step, describe(last))
  })

/** The market takes a fresh write again (once the unknown one is resolved). */
const writable = (ctx: Ctx, step: string) =>
  Effect.gen(function* () {
    const book = yield* ok(`${step}: fetchOrderBook`, ctx.ex.fetchOrderBook(ctx.symbol))
    const price = yield* lowBuyPrice(ctx, book)
    const req = request(ctx, { side: "buy", price, postOnly: true, clientOrderId: yield* ctx.cid })
    const o = yield* whenWritable(`${step}: a fresh create`, ctx.streamTimeout, ctx.ex.createOrder(req))
    yield* ctx.track(o)
  })

/** An unknown create resolved: the order is found once, a retry with its id returns it (no second order). */
const resolvedCreate = (ctx: Ctx, step: string, req: Order.OrderRequest) =>
  Effect.gen(function* () {
    const cid = req.clientOrderId!
    const found = yield* eventually(
      `${step}: lookup`,
      ctx.streamTimeout,
      ctx.ex.fetchOrderByClientId(cid, ctx.symbol),
      () => true,
      () => `the applied order ${cid} is never found by its client order id`
    )
    yield* ctx.track(found)
    const again = yield* whenWritable(
      `${step}: retry with the same client order id`,
      ctx.streamTimeout,
      ctx.ex.createOrder(req)
    )
    yield* expectThat(step, again.id === found.id, `the retry made a second order ${again.id} (first ${found.id})`)
    const open = yield* ok(`${step}: fetchOpenOrders`, ctx.ex.fetchOpenOrders({ symbol: ctx.symbol }))
    const mine = open.filter((o) => o.clientOrderId === cid)
    yield* expectThat(step, mine.length === 1, `${mine.length} open orders carry ${cid}`)
  })

const restingRequest = (ctx: Ctx, step: string) =>
  Effect.gen(function* () {
    const book = yield* ok(`${step}: fetchOrderBook`, ctx.ex.fetchOrderBook(ctx.symbol))
    const price = yield* lowBuyPrice(ctx, book)
    return request(ctx, { side: "buy", price, postOnly: true, clientOrderId: yield* ctx.cid })
  })

const spoiled = <R>(ctx: Ctx, faults: Faults<R>, write: SpoiledWrite) =>
  Effect.gen(function* () {
    const step = `spoiled ${write} answer`
    switch (write) {
      case "create": {
        const req = yield* restingRequest(ctx, step)
        yield* inject(step, faults.spoilNextAnswer(write))
        const r = yield* Effect.either(ctx.ex.createOrder(req))
        yield* expectThat(
          step,
          Either.isLeft(r) && isUnknown(r.left),
          `the create answered ${show(r)}, not UnknownOutcome`
        )
        return yield* resolvedCreate(ctx, step, req)
      }
      case "batchCreate": {
        if (ctx.ex.features.maxBatchCreate < 2) return
        const a = yield* restingRequest(ctx, step)
        const b = request(ctx, { side: "buy", price: a.price, postOnly: true, clientOrderId: yield* ctx.cid })
        yield* inject(step, faults.spoilNextAnswer(write))
        const rs = yield* ok(step, ctx.ex.createOrders([a, b]))
        yield* expectThat(
          step,
          rs.every((r) => Either.isLeft(r) && isUnknown(r.left)),
          `the batch answered ${rs.map(show).join(", ")}, not UnknownOutcome per item`
        )
        yield* resolvedCreate(ctx, `${step} (item 1)`, a)
        return yield* resolvedCreate(ctx, `${step} (item 2)`, b)
      }
      case "cancel":
      case "batchCancel": {
        if (write === "batchCancel" && ctx.ex.features.maxBatchCancel < 2) return
        const n = write === "cancel" ? 1 : 2
        const placed: Array<Order.Order> = []
        for (let i = 0; i < n; i++) placed.push((yield* placeRestingBuy(ctx, step)).order)
        yield* inject(step, faults.spoilNextAnswer(write))
        const rs =
          n === 1
            ? [yield* Effect.either(ctx.ex.cancelOrder(placed[0]!.id, ctx.symbol))]
            : yield* ok(
                step,
                ctx.ex.cancelOrders(
                  placed.map((o) => o.id),
                  ctx.symbol
                )
              )
        yield* expectThat(
          step,
          rs.every((r) => Either.isLeft(r) && isUnknown(r.left)),
          `the cancel answered ${rs.map(show).join(", ")}, not UnknownOutcome`
        )
        for (const o of placed) {
          yield* eventually(
            `${step}: lookup`,
            ctx.streamTimeout,
            ctx.ex.fetchOrder(o.id, ctx.symbol),
            (x) => x.status === "canceled",
            (x) => `the applied cancel of ${o.id} never shows (status ${x?.status})`
          )
        }
        return yield* writable(ctx, step)
      }
      case "amend": {
        if (ctx.ex.has.editOrder === false || !ctx.ex.features.amend) return
        const { order } = yield* placeRestingBuy(ctx, step)
        const price = ctx.grid.priceAt(Math.min(1, ctx.grid.size - 1))
        yield* inject(step, faults.spoilNextAnswer(write))
        const r = yield* Effect.either(ctx.ex.editOrder(order.id, ctx.symbol, Order.OrderEdit.make({ price })))
        yield* expectThat(
          step,
          Either.isLeft(r) && isUnknown(r.left),
          `the amend answered ${show(r)}, not UnknownOutcome`
        )
        yield* eventually(
          `${step}: lookup`,
          ctx.streamTimeout,
          ctx.ex.fetchOrder(order.id, ctx.symbol),
          (x) => D.eq(x.price, price),
          (x) => `the applied amend never shows (price ${x === undefined ? "?" : D.format(x.price)})`
        )
        return yield* writable(ctx, step)
      }
    }
  })

const show = (r: Either.Either<Order.Order, ExchangeError>) =>
  Either.isRight(r) ? `order ${r.right.status}` : describeError(r.left)

export const faultCases = <R>(options: Options<R>): ReadonlyArray<Case<R>> => {
  const def = defineCase(options)
  const faults = options.faults
  const need = <A>(f: (faults: Faults<R>) => A): A => {
    if (faults === undefined) throw new Error("fault case without faults")
    return f(faults)
  }
  return [
    def(
      "faults.lostAnswer",
      "a create applied whose answer is lost: UnknownOutcome, resolved by lookup, never made twice",
      (ctx) =>
        need((faults) =>
          Effect.gen(function* () {
            const step = "lost answer"
            const req = yield* restingRequest(ctx, step)
            yield* inject(step, faults.loseNextAnswer)
            const r = yield* Effect.either(ctx.ex.createOrder(req))
            yield* expectThat(
              step,
              Either.isLeft(r) && ExErr.mayHaveExecuted(r.left),
              `the create answered ${show(r)}; a lost answer must not read as certain`
            )
            yield* resolvedCreate(ctx, step, req)
            yield* writable(ctx, step)
          })
        ),
      "faults"
    ),
    def(
      "faults.spoiledAnswers",
      "undecodable 2xx answers to create / batch create / cancel / batch cancel / amend: UnknownOutcome, then resolved",
      (ctx) =>
        need((faults) =>
          Effect.forEach(
            ["create", "batchCreate", "cancel", "batchCancel", "amend"] as const,
            (w) => spoiled(ctx, faults, w),
            {
              discard: true
            }
          )
        ),
      "faults"
    ),
    def(
      "faults.rateLimited",
      "429s past the re-admissions: a certain error (nothing executed), the market is not blocked",
      (ctx) =>
        need((faults) =>
          Effect.gen(function* () {
            const step = "429 exhaustion"
            const req = yield* restingRequest(ctx, step)
            yield* inject(step, faults.rateLimitNextWrite)
            const r = yield* Effect.either(ctx.ex.createOrder(req))
            if (Either.isRight(r)) {
              yield* ctx.track(r.right)
              return yield* fail(step, "the create succeeded through the 429s")
            }
            yield* expectThat(
              step,
              !ExErr.mayHaveExecuted(r.left),
              `failed with ${describeError(r.left)}, which may have executed; a 429 proves nothing was`
            )
            const open = yield* ok(`${step}: fetchOpenOrders`, ctx.ex.fetchOpenOrders({ symbol: ctx.symbol }))
            yield* expectThat(step, !open.some((o) => o.clientOrderId === req.clientOrderId), "the order exists")
            // not blocked: the very next write goes out
            const next = yield* ok(`${step}: the next create`, ctx.ex.createOrder(req))
            yield* ctx.track(next)
          })
        ),
      "faults"
    ),
    def(
      "faults.droppedSocket",
      "a dropped socket: a fill made meanwhile reaches watchMyTrades exactly once; watchOrders goes on",
      (ctx) =>
        need((faults) =>
          Effect.gen(function* () {
            const step = "dropped socket"
            const trades = yield* collect(ctx.ex.watchMyTrades(ctx.symbol))
            const orders = yield* collect(ctx.ex.watchOrders(ctx.symbol))
            yield* Effect.sleep(ctx.subscribeDelay)
            const ask = yield* foreignAsk(ctx, options, step)
            if (ask === undefined) return yield* fail(step, "no ask to take")
            yield* inject(step, faults.dropSocket)
            const taker = yield* whenWritable(
              `${step}: take`,
              ctx.streamTimeout,
              ctx.ex.createOrder(
                request(ctx, { side: "buy", price: ask, timeInForce: "IOC", clientOrderId: yield* ctx.cid })
              )
            )
            yield* expectThat(step, taker.filled > 0n, `the taking order filled ${D.format(taker.filled)}`)
            const seen = yield* Ref.make(new Map<string, number>())
            const count = (f: Order.Fill) => Ref.update(seen, (m) => new Map(m).set(f.id, (m.get(f.id) ?? 0) + 1))
            let filled = D.ZERO
            while (filled < taker.filled) {
              const f = yield* awaitMatch(
                `${step}: watchMyTrades`,
                trades,
                ctx.streamTimeout,
                (x) => x.orderId === taker.id
              )
              yield* count(f)
              filled = D.add(filled, f.amount)
            }
            yield* awaitMatch(
              `${step}: watchOrders`,
              orders,
              ctx.streamTimeout,
              (o) => o.id === taker.id && Order.isTerminal(o.status)
            )
            // a re-delivery would come now (the stream's own, or a re-read after the reconnect)
            yield* Effect.sleep(Duration.times(Duration.decode(ctx.subscribeDelay), 10))
            for (const x of yield* Queue.takeAll(trades))
              if (Either.isRight(x) && x.right.orderId === taker.id) yield* count(x.right)
            const twice = [...(yield* Ref.get(seen))].filter(([, n]) => n > 1).map(([id]) => id)
            yield* expectThat(step, twice.length === 0, `fills delivered twice: ${twice.join(", ")}`)
          })
        ),
      ["faults", "seedLiquidity"]
    ),
    def(
      "faults.skippedSeq",
      "a skipped sequence number: the book heals to the venue's; our order updates keep coming",
      (ctx) =>
        need((faults) =>
          Effect.gen(function* () {
            const step = "skipped seq"
            const books = yield* collect(ctx.ex.watchOrderBook(ctx.symbol))
            const orders = yield* collect(ctx.ex.watchOrders(ctx.symbol))
            yield* Effect.sleep(ctx.subscribeDelay)
            yield* inject(step, faults.skipSeq)
            const ask = yield* foreignAsk(ctx, options, step)
            if (ask === undefined) return yield* fail(step, "no ask seeded")
            const { order } = yield* placeRestingBuy(ctx, step)
            const venue = yield* ok(`${step}: fetchOrderBook`, ctx.ex.fetchOrderBook(ctx.symbol))
            const top = (b: { readonly bids: ReadonlyArray<readonly [D.Decimal, D.Decimal]> }) =>
              Option.fromNullable(b.bids.find(([p]) => p === order.price))
            yield* awaitMatch(`${step}: watchOrderBook`, books, ctx.streamTimeout, (b) => {
              const a = b.asks[0]
              const mine = top(b)
              const theirs = top(venue)
              return (
                a !== undefined &&
                a[0] === venue.asks[0]?.[0] &&
                D.eq(a[1], venue.asks[0][1]) &&
                Option.isSome(mine) &&
                Option.isSome(theirs) &&
                D.eq(mine.value[1], theirs.value[1])
              )
            })
            yield* ok(`${step}: cancelOrder`, ctx.ex.cancelOrder(order.id, ctx.symbol))
            yield* awaitMatch(
              `${step}: watchOrders`,
              orders,
              ctx.streamTimeout,
              (o) => o.id === order.id && o.status === "canceled"
            )
          })
        ),
      ["faults", "seedLiquidity"]
    )
  ] as ReadonlyArray<Case<R>>
}
