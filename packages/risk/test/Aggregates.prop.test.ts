/**
 * The running totals against a from-scratch recomputation, and the engine against the original full-scan
 * engine (test/reference/ScanEngine.ts), over random sequences of order updates, fills, marks, registrations,
 * state changes, clock steps and checks (creates with and without client ids, amends, cancels).
 *
 * After every step: the decision and the state changes are the same as the reference's (the self-cross message
 * may name a different one of our crossing orders: the reference names whichever its map scan met first, the
 * engine the best-priced one); summaries, positions and peaks are equal; and every running total (per scope,
 * market book, event sum, unresolved count, best resting prices) equals a recomputation over the facts.
 */
import { Decimal as D, Fee, Ids, Market, Order, type Risk, StrMap, TickGrid } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as HashMap from "effect/HashMap"
import * as SortedMap from "effect/SortedMap"
import { bookOf, eventSum, marketTotals, scopeTotals } from "../src/internal/aggregates.js"
import { levelFigures, proposedOf } from "../src/internal/check.js"
import * as Engine from "../src/internal/engine.js"
import { levelMatches, levelsFor } from "../src/internal/limits.js"
import type { EngineState } from "../src/internal/model.js"
import { totalsPairKey } from "../src/internal/scope.js"
import type { BreachAction, RiskConfigInput } from "../src/RiskConfig.js"
import { cfg } from "./helpers.js"
import * as Ref from "./reference/ScanEngine.js"

const VENUES = ["va", "vb"] as const
const STRATEGIES = ["s1", "s2", undefined] as const
const SYMBOLS = ["A", "B", "C", "D"] as const
const EVENTS = ["E1", "E2"] as const
const SIDES = ["buy", "sell"] as const

const cents = (n: number) => D.fromUnits(n, 2)

const market = (
  venue: string,
  symbol: string,
  eventId: string | undefined,
  binary: boolean,
  status: Market.MarketStatus
) =>
  Market.Market.make({
    venue: Ids.VenueId.make(venue),
    symbol: Ids.Symbol.make(symbol),
    ...(eventId === undefined ? {} : { eventId: Ids.EventId.make(eventId) }),
    title: symbol,
    kind: binary
      ? { _tag: "binary", settlementValue: D.ONE, outcomes: Market.yesNo() }
      : { _tag: "spot", base: symbol, quote: "USD" },
    currency: "USD",
    status,
    tickGrid: TickGrid.uniform("0.01", "0.99", "0.01").spec,
    amountStep: D.d("0.01"),
    minAmount: D.d("0.01"),
    fees: Fee.QuadraticFee.make({
      takerRate: D.d("0.07"),
      makerRate: D.ZERO,
      multiplier: D.ONE,
      precision: D.d("0.0001")
    })
  })

const venue = fc.constantFrom(...VENUES)
const strategy = fc.constantFrom(...STRATEGIES)
const symbol = fc.constantFrom(...SYMBOLS)
const side = fc.constantFrom(...SIDES)
const price = fc.integer({ min: 1, max: 99 })
const amount = fc.integer({ min: 1, max: 1_500 })
const scope = fc
  .record({ venue, strategy })
  .map(({ venue, strategy }): Risk.RiskScope => (strategy === undefined ? { venue } : { venue, strategy }))

const step = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("order" as const),
      scope,
      id: fc.constantFrom("o1", "o2", "o3", "o4", "o5", "o6"),
      clientOrderId: fc.option(fc.constantFrom("c1", "c2", "c3"), { nil: undefined }),
      symbol,
      side,
      price,
      remaining: fc.oneof(fc.constant(0), amount),
      status: fc.constantFrom<Order.OrderStatus>("open", "open", "pending_new", "unknown", "canceled", "closed")
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("fill" as const),
      scope,
      id: fc.constantFrom("t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"),
      symbol,
      side,
      price,
      amount,
      fee: fc.integer({ min: 0, max: 3 })
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({ _tag: fc.constant("mark" as const), scope, symbol, price: fc.integer({ min: 0, max: 100 }) })
  },
  {
    weight: 5,
    arbitrary: fc.record({
      _tag: fc.constant("create" as const),
      scope,
      symbol,
      side,
      price,
      amount,
      clientOrderId: fc.option(fc.constantFrom("c1", "c2", "c3"), { nil: undefined })
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("amend" as const),
      scope,
      symbol,
      orderId: fc.constantFrom("o1", "o2", "o3", "nope"),
      side,
      price,
      amount,
      newPrice: fc.option(price, { nil: undefined }),
      newAmount: fc.option(amount, { nil: undefined })
    })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("cancel" as const), scope }) },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("register" as const),
      venue,
      symbol,
      eventId: fc.option(fc.constantFrom(...EVENTS), { nil: undefined }),
      binary: fc.boolean(),
      status: fc.constantFrom<Market.MarketStatus>("open", "open", "paused")
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("state" as const),
      scope: fc.option(scope, { nil: undefined }),
      state: fc.constantFrom<Risk.TradingState>("ACTIVE", "ACTIVE", "REDUCING", "HALTED")
    })
  }
)

type Step = typeof step extends fc.Arbitrary<infer A> ? A : never

const dt = fc.constantFrom(0, 0, 1, 400, 3_000, 6_000, 3_600_000, 20 * 3_600_000)

const action = fc.constantFrom<BreachAction>("deny", "deny", "reduce", "halt-venue", "reduce-strategy", "halt-all")
/** absent three times in four: a configuration sets a few limits, so the later checks are reached */
const maybe = <A>(a: fc.Arbitrary<A>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a })
const dec = (min: number, max: number) => fc.integer({ min, max }).map((n) => D.format(cents(n)))
const limits = fc
  .record({
    maxOrderSize: maybe(dec(100, 1_500)),
    maxOrderNotional: maybe(dec(100, 1_500)),
    maxPosition: maybe(dec(200, 3_000)),
    maxEventPosition: maybe(dec(500, 5_000)),
    maxGrossExposure: maybe(dec(500, 5_000)),
    maxOpenOrders: maybe(fc.integer({ min: 1, max: 6 })),
    orderRate: maybe(fc.record({ max: fc.integer({ min: 1, max: 5 }), windowMs: fc.constantFrom(1_000, 5_000) })),
    priceBand: maybe(fc.record({ maxBuy: dec(50, 99), minSell: dec(1, 50) })),
    maxDailyLoss: maybe(dec(1, 500)),
    maxDrawdown: maybe(dec(1, 500)),
    selfCross: maybe(fc.boolean()),
    onBreach: maybe(fc.record({ maxPosition: action, maxDailyLoss: action, selfCross: action }))
  })
  .map((l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)))

const config = fc
  .record({
    global: limits,
    va: maybe(limits),
    s1: maybe(limits),
    onBreach: fc.record({ maxGrossExposure: action, maxDrawdown: action, maxEventPosition: action }),
    dailyResetHourUtc: fc.integer({ min: 0, max: 23 }),
    resumeOnDailyReset: fc.boolean(),
    requireKnownMarkets: fc.oneof(
      { weight: 4, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) }
    )
  })
  .map(
    (c): RiskConfigInput => ({
      global: c.global,
      venues: c.va === undefined ? {} : { va: c.va },
      strategies: c.s1 === undefined ? {} : { s1: c.s1 },
      onBreach: c.onBreach,
      dailyResetHourUtc: c.dailyResetHourUtc,
      resumeOnDailyReset: c.resumeOnDailyReset,
      requireKnownMarkets: c.requireKnownMarkets,
      pendingTtlMs: 5_000
    })
  )

const toOrder = (s: Extract<Step, { _tag: "order" }>) =>
  Order.Order.make({
    id: Ids.OrderId.make(s.id),
    ...(s.clientOrderId === undefined ? {} : { clientOrderId: Ids.ClientOrderId.make(s.clientOrderId) }),
    symbol: Ids.Symbol.make(s.symbol),
    side: s.side,
    type: "limit",
    price: cents(s.price),
    amount: cents(s.remaining),
    filled: D.ZERO,
    remaining: cents(s.remaining),
    cost: D.ZERO,
    status: s.status,
    timeInForce: "GTC",
    postOnly: true,
    reduceOnly: false,
    timestamp: 0
  })

const toFill = (s: Extract<Step, { _tag: "fill" }>) =>
  Order.Fill.make({
    id: Ids.TradeId.make(s.id),
    orderId: Ids.OrderId.make("x"),
    symbol: Ids.Symbol.make(s.symbol),
    side: s.side,
    price: cents(s.price),
    amount: cents(s.amount),
    cost: D.mul(cents(s.price), cents(s.amount)),
    fee: Order.FeePaid.make({ cost: cents(s.fee), currency: "USD" }),
    takerOrMaker: "maker",
    timestamp: 0
  })

const request = (symbol: string, side: Order.Side, p: number, a: number, clientOrderId?: string) =>
  Order.OrderRequest.make({
    symbol: Ids.Symbol.make(symbol),
    side,
    price: cents(p),
    amount: cents(a),
    ...(clientOrderId === undefined ? {} : { clientOrderId: Ids.ClientOrderId.make(clientOrderId) })
  })

const intentOf = (s: Extract<Step, { _tag: "create" | "amend" | "cancel" }>): Risk.RiskIntent => {
  switch (s._tag) {
    case "create":
      return { _tag: "Create", scope: s.scope, request: request(s.symbol, s.side, s.price, s.amount, s.clientOrderId) }
    case "amend":
      return {
        _tag: "Amend",
        scope: s.scope,
        symbol: s.symbol,
        orderId: s.orderId,
        edit: Order.OrderEdit.make({
          ...(s.newPrice === undefined ? {} : { price: cents(s.newPrice) }),
          ...(s.newAmount === undefined ? {} : { amount: cents(s.newAmount) })
        }),
        current: request(s.symbol, s.side, s.price, s.amount)
      }
    case "cancel":
      return { _tag: "Cancel", scope: s.scope, symbol: "A", orderId: "o1" }
  }
}

interface Pair {
  readonly ref: Ref.EngineState
  readonly eng: EngineState
}

/** A step through both engines: what each returned. */
const run = (c: ReturnType<typeof cfg>, st: Pair, s: Step, now: number) => {
  switch (s._tag) {
    case "order": {
      const o = toOrder(s)
      return [Ref.onOrder(st.ref, c, s.scope, o, now), Engine.onOrder(st.eng, c, s.scope, o, now)] as const
    }
    case "fill": {
      const f = toFill(s)
      return [Ref.onFill(st.ref, c, s.scope, f, now), Engine.onFill(st.eng, c, s.scope, f, now)] as const
    }
    case "mark":
      return [
        Ref.onMark(st.ref, c, s.scope, s.symbol, cents(s.price), now),
        Engine.onMark(st.eng, c, s.scope, s.symbol, cents(s.price), now)
      ] as const
    case "create":
    case "amend":
    case "cancel": {
      const intent = intentOf(s)
      return [Ref.check(st.ref, c, intent, now), Engine.check(st.eng, c, intent, now)] as const
    }
    case "register": {
      const m = market(s.venue, s.symbol, s.eventId, s.binary, s.status)
      const changes: ReadonlyArray<Ref.Change> = []
      return [
        { state: Ref.registerMarket(st.ref, s.venue, m), value: undefined, changes },
        { state: Engine.registerMarkets(st.eng, s.venue, [m]), value: undefined, changes }
      ] as const
    }
    case "state":
      return [
        Ref.setState(st.ref, s.state, "test", s.scope, false, now),
        Engine.setState(st.eng, s.state, "test", s.scope, false, now)
      ] as const
  }
}

const crossMessage = (m: string) => m.includes("would cross our own")

const sameValue = (a: unknown, b: unknown) => {
  if (a === undefined || b === undefined) return assert.strictEqual(a, b)
  const x = a as Risk.RiskDecision
  const y = b as Risk.RiskDecision
  assert.strictEqual(y._tag, x._tag)
  if (x._tag === "Denied" && y._tag === "Denied") {
    assert.strictEqual(y.reason, x.reason)
    if (!crossMessage(x.message)) assert.strictEqual(y.message, x.message)
  }
}

const sameChanges = (a: ReadonlyArray<Ref.Change>, b: ReadonlyArray<Engine.Change>) => {
  const shape = (c: Ref.Change) => ({
    state: c.state,
    previous: c.previous,
    scope: Ref.scopeKey(c.scope),
    at: c.at,
    reason: crossMessage(c.reason) ? "(self-cross)" : c.reason
  })
  assert.deepStrictEqual(b.map(shape), a.map(shape))
}

const scopesToCompare: ReadonlyArray<Risk.RiskScope | undefined> = [
  undefined,
  ...VENUES.map((venue) => ({ venue })),
  ...STRATEGIES.flatMap((strategy) =>
    strategy === undefined ? [] : [{ venue: "*", strategy }, ...VENUES.map((venue) => ({ venue, strategy }))]
  )
]
const strategyNames = ["s1", "s2", ""] as const
const filters = [
  {},
  ...VENUES.map((venue) => ({ venue })),
  ...strategyNames.map((strategy) => ({ strategy })),
  ...VENUES.flatMap((venue) => strategyNames.map((strategy) => ({ venue, strategy })))
]

const sameReadouts = (ref: Ref.EngineState, eng: EngineState) => {
  for (const f of filters) assert.deepStrictEqual(Engine.summary(eng, f), Ref.summary(ref, f), JSON.stringify(f))
  for (const sc of scopesToCompare) assert.strictEqual(Engine.effectiveState(eng, sc), Ref.effectiveState(ref, sc))
  for (const v of VENUES) {
    for (const sym of SYMBOLS) {
      assert.strictEqual(Engine.positionOf(eng, v, sym), Ref.positionOf(ref, v, sym))
      for (const st of strategyNames)
        assert.strictEqual(Engine.positionOf(eng, v, sym, st), Ref.positionOf(ref, v, sym, st))
    }
  }
  assert.deepStrictEqual(
    Object.fromEntries(StrMap.entries(eng.peaks)),
    Object.fromEntries(HashMap.toEntries(ref.peaks))
  )
}

type Match = (venue: string, strategy: string) => boolean
const ANY: Match = () => true

/** Every running total equals its recomputation over the facts (positions, orders, marks, markets). */
const totalsMatchFacts = (s: EngineState) => {
  // the reference engine's facts are Effect HashMaps: the same entries
  const facts: Ref.Facts = {
    positions: HashMap.fromIterable(StrMap.entries(s.positions)),
    orders: HashMap.fromIterable(StrMap.entries(s.orders)),
    marks: HashMap.fromIterable(StrMap.entries(s.marks)),
    markets: HashMap.fromIterable(StrMap.entries(s.markets))
  }
  const scopes: ReadonlyArray<readonly [string, Match]> = [
    ["*", ANY],
    ...VENUES.map((v) => [`v:${v}`, (x: string) => x === v] as const),
    ...strategyNames.map((st) => [`s:${st}`, (_: string, y: string) => y === st] as const),
    ...VENUES.flatMap((v) =>
      strategyNames.map((st) => [totalsPairKey(v, st), (x: string, y: string) => x === v && y === st] as const)
    )
  ]
  for (const [key, match] of scopes) {
    const t = scopeTotals(s, key)
    const pnl = Ref.pnlTotals(facts, match)
    assert.strictEqual(t.openOrders, Ref.openOrderCount(facts, match), `open orders ${key}`)
    assert.strictEqual(t.gross, Ref.grossExposure(facts, match), `gross ${key}`)
    assert.strictEqual(t.pnl, pnl.total, `pnl ${key}`)
    assert.strictEqual(D.sub(t.pnl, t.baseline), pnl.daily, `daily ${key}`)
  }
  const byStrategy: ReadonlyArray<readonly [string | undefined, Match]> = [
    [undefined, ANY],
    ...strategyNames.map((st) => [st, (_: string, y: string) => y === st] as const)
  ]
  for (const v of VENUES) {
    for (const sym of SYMBOLS) {
      for (const [st, match] of byStrategy) {
        assert.deepStrictEqual(bookOf(s, v, sym, st), Ref.marketBook(facts, v, sym, match), `book ${v} ${sym} ${st}`)
      }
      const here = Array.from(StrMap.values(s.orders)).filter((o) => o.venue === v && o.symbol === sym)
      const m = marketTotals(s, v, sym)
      assert.strictEqual(m.unresolved, here.filter((o) => o.unresolved).length)
      const sells = here.filter((o) => o.side === "sell").map((o) => o.price)
      const buys = here.filter((o) => o.side === "buy").map((o) => o.price)
      assert.deepStrictEqual(
        Array.from(SortedMap.keys(m.sells)),
        [...new Set(sells)].sort((a, b) => (a < b ? -1 : 1))
      )
      assert.deepStrictEqual(
        Array.from(SortedMap.keys(m.buys)).map(D.neg),
        [...new Set(buys)].sort((a, b) => (a > b ? -1 : 1))
      )
      assert.strictEqual(
        Array.from(SortedMap.values(m.sells)).reduce((a, b) => a + b, 0),
        sells.length,
        `sell count ${v} ${sym}`
      )
    }
    for (const event of EVENTS) {
      const members = SYMBOLS.filter((sym) => Ref.eventOf(facts, v, sym) === event)
      for (const [st, match] of byStrategy) {
        const expected = members.reduce(
          (acc, sym) => D.add(acc, Ref.worstCase(Ref.marketBook(facts, v, sym, match))),
          D.ZERO
        )
        assert.strictEqual(eventSum(s, v, event, st), expected, `event ${v} ${event} ${st}`)
      }
    }
  }
}

/**
 * Before a create or amend: what the check measures at each of its levels equals the reference's scans (with
 * the amended order left out), so a wrong figure shows even when no limit sits right at it.
 */
const figuresMatchScans = (c: ReturnType<typeof cfg>, st: Pair, intent: Risk.RiskIntent, now: number) => {
  if (intent._tag === "Cancel") return
  const eng = Engine.tick(st.eng, c, now, [])
  const ref: Ref.Facts = Ref.tick(st.ref, c, now, [])
  const p = proposedOf(eng, intent)
  const exclude = intent._tag === "Amend" ? `${p.venue}\u0000id:${intent.orderId}` : undefined
  const settlement = Ref.settlementOf(ref, p.venue, p.symbol)
  for (const level of levelsFor(c, p.venue, p.strategy)) {
    const match: Match = (v, s) => levelMatches(level, v, s)
    const f = levelFigures(eng, level, p)
    const book = (sym: string) => Ref.marketBook(ref, p.venue, sym, match, exclude)
    assert.strictEqual(f.worstCase, Ref.worstCase(book(p.symbol), p.side, p.amount), "worst case")
    const event = Ref.eventOf(ref, p.venue, p.symbol)
    if (event === undefined) assert.strictEqual(f.eventPosition, undefined)
    else {
      const members = new Set([p.symbol, ...SYMBOLS.filter((sym) => Ref.eventOf(ref, p.venue, sym) === event)])
      let total = D.ZERO
      for (const sym of members) {
        total = D.add(total, sym === p.symbol ? Ref.worstCase(book(sym), p.side, p.amount) : Ref.worstCase(book(sym)))
      }
      assert.strictEqual(f.eventPosition, total, "event position")
    }
    const cost = Ref.orderCost(p.side, p.price, p.amount, settlement)
    assert.strictEqual(f.gross, D.add(Ref.grossExposure(ref, match, exclude), cost), "gross")
    assert.strictEqual(f.openOrders, Ref.openOrderCount(ref, match), "open orders")
    const pnl = Ref.pnlTotals(ref, match)
    assert.strictEqual(f.pnl, pnl.total, "pnl")
    assert.strictEqual(f.dailyPnl, pnl.daily, "daily pnl")
  }
}

const NO_EVICTION = { windowMs: Number.POSITIVE_INFINITY, capacity: Number.POSITIVE_INFINITY }

describe("running totals", () => {
  it.prop(
    "equal a recomputation over the facts, and decisions equal the full-scan engine's",
    [config, fc.array(fc.tuple(dt, step), { minLength: 20, maxLength: 80 }), fc.boolean()],
    ([input, steps, registerFirst]) => {
      const c = cfg(input)
      let now = 1_700_000_000_000
      let st: Pair = { ref: Ref.empty(now, c), eng: Engine.empty(now, c, NO_EVICTION) }
      if (registerFirst) {
        const ms = [
          market("va", "A", "E1", true, "open"),
          market("va", "B", "E1", true, "open"),
          market("va", "C", "E2", false, "open"),
          market("vb", "A", "E1", true, "open")
        ]
        st = {
          ref: ms.reduce((s, m) => Ref.registerMarket(s, m.venue, m), st.ref),
          eng: ms.reduce((s, m) => Engine.registerMarkets(s, m.venue, [m]), st.eng)
        }
      }
      for (const [d, s] of steps) {
        now += d
        if (s._tag === "create" || s._tag === "amend") figuresMatchScans(c, st, intentOf(s), now)
        const [a, b] = run(c, st, s, now)
        sameValue(a.value, b.value)
        sameChanges(a.changes, b.changes)
        st = { ref: a.state, eng: b.state }
        sameReadouts(st.ref, st.eng)
        totalsMatchFacts(st.eng)
      }
    },
    { fastCheck: { numRuns: 100 } }
  )
})
