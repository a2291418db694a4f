import { assert, describe, it } from "@effect/vitest"
import * as Q from "../src/Quoting.js"

const params = (over: Partial<Q.QuoteParams> = {}): Q.QuoteParams => ({
  minSpreadTicks: 2,
  minSizeAheadLots: 0,
  sizeCurve: [{ minSpreadTicks: 0, lots: 10 }],
  maxPositionLots: Number.POSITIVE_INFINITY,
  inventorySkew: 0,
  requoteToleranceTicks: 0,
  requoteSizeTolerance: 0,
  maxOrderAgeMs: 60_000,
  filledOrderDelayMs: 5_000,
  stopBeforeCloseMs: 60_000,
  minLevel: 0,
  maxLevel: 98,
  tightSpread: "join",
  ...over
})

/** bids/asks as [level, lots] pairs, best first */
const input = (
  bids: ReadonlyArray<readonly [number, number]>,
  asks: ReadonlyArray<readonly [number, number]>,
  over: Partial<Q.QuoteInput> = {}
): Q.QuoteInput => ({
  bids: { levels: bids.map((x) => x[0]), lots: bids.map((x) => x[1]) },
  asks: { levels: asks.map((x) => x[0]), lots: asks.map((x) => x[1]) },
  own: [],
  positionLots: 0,
  now: 100_000,
  open: true,
  closeTime: undefined,
  lastBuyFillAt: undefined,
  lastSellFillAt: undefined,
  ...over
})

const levels = (q: Q.Quotes) => [q.bid?.level, q.ask?.level]

describe("liquidity quoting", () => {
  it("one tick inside each side", () => {
    const q = Q.quote(input([[40, 100]], [[50, 100]]), params())
    assert.deepStrictEqual(levels(q), [41, 49])
    assert.strictEqual(q.bid?.lots, 10)
  })

  it("spread gate: below minSpreadTicks skips the market; at it quotes", () => {
    assert.deepStrictEqual(levels(Q.quote(input([[40, 1]], [[41, 1]]), params())), [undefined, undefined])
    assert.strictEqual(Q.quote(input([[40, 1]], [[41, 1]]), params()).bidSkip, "spread")
    assert.deepStrictEqual(levels(Q.quote(input([[40, 1]], [[43, 1]]), params())), [41, 42])
    assert.deepStrictEqual(levels(Q.quote(input([[40, 1]], [[43, 1]]), params({ minSpreadTicks: 4 }))), [
      undefined,
      undefined
    ])
  })

  it("tight spread (one level inside): join puts the other side at its best; skip quotes one side", () => {
    assert.deepStrictEqual(levels(Q.quote(input([[40, 1]], [[42, 1]]), params())), [41, 42])
    assert.deepStrictEqual(levels(Q.quote(input([[40, 1]], [[42, 1]], { positionLots: 5 }), params())), [40, 41])
    const skip = Q.quote(input([[40, 1]], [[42, 1]]), params({ tightSpread: "skip" }))
    assert.deepStrictEqual(levels(skip), [41, undefined])
    assert.strictEqual(skip.askSkip, "tight")
  })

  it("never jumps our own order: the book is read without it", () => {
    const own: ReadonlyArray<Q.OwnOrder> = [
      { id: "b", side: "buy", level: 41, lots: 10, createdAt: 99_000 },
      { id: "a", side: "sell", level: 49, lots: 10, createdAt: 99_000 }
    ]
    const q = Q.quote(
      input(
        [
          [41, 10],
          [40, 100]
        ],
        [
          [49, 10],
          [50, 100]
        ],
        { own }
      ),
      params()
    )
    assert.deepStrictEqual(levels(q), [41, 49])
    assert.strictEqual(q.bid?.keep, "b")
    assert.strictEqual(q.ask?.keep, "a")
  })

  it("someone joins our level: we stay (the level is not ours alone)", () => {
    const own: ReadonlyArray<Q.OwnOrder> = [{ id: "b", side: "buy", level: 41, lots: 10, createdAt: 99_000 }]
    const q = Q.quote(input([[41, 15]], [[50, 100]], { own }), params())
    // 5 lots of someone else at 41: the best other bid is 41, so the ideal is 42
    assert.strictEqual(q.bid?.level, 42)
  })

  it("depth-aware: a thin level is not worth stepping in front of", () => {
    const book = input(
      [
        [45, 2],
        [44, 3],
        [40, 200]
      ],
      [[60, 500]]
    )
    assert.strictEqual(Q.quote(book, params()).bid?.level, 46)
    assert.strictEqual(Q.quote(book, params({ minSizeAheadLots: 5 })).bid?.level, 45)
    assert.strictEqual(Q.quote(book, params({ minSizeAheadLots: 6 })).bid?.level, 41)
    const thin = Q.quote(book, params({ minSizeAheadLots: 300 }))
    assert.strictEqual(thin.bidSkip, "thin")
    assert.strictEqual(thin.ask?.level, 59)
  })

  it("size by spread width", () => {
    const curve = [
      { minSpreadTicks: 0, lots: 5 },
      { minSpreadTicks: 4, lots: 20 },
      { minSpreadTicks: 10, lots: 50 }
    ]
    assert.strictEqual(Q.quote(input([[40, 1]], [[43, 1]]), params({ sizeCurve: curve })).bid?.lots, 5)
    assert.strictEqual(Q.quote(input([[40, 1]], [[44, 1]]), params({ sizeCurve: curve })).bid?.lots, 20)
    assert.strictEqual(Q.quote(input([[40, 1]], [[50, 1]]), params({ sizeCurve: curve })).bid?.lots, 50)
  })

  it("inventory skew and the per-market limit (the quote counts as exposure)", () => {
    const p = params({ maxPositionLots: 20, inventorySkew: 1 })
    const long = Q.quote(input([[40, 1]], [[50, 1]], { positionLots: 10 }), p)
    assert.strictEqual(long.bid?.lots, 5) // 10 × (1 − 0.5)
    assert.strictEqual(long.ask?.lots, 15) // 10 × (1 + 0.5)
    const near = Q.quote(input([[40, 1]], [[50, 1]], { positionLots: 17 }), params({ maxPositionLots: 20 }))
    assert.strictEqual(near.bid?.lots, 3)
    const full = Q.quote(input([[40, 1]], [[50, 1]], { positionLots: 20 }), params({ maxPositionLots: 20 }))
    assert.isUndefined(full.bid)
    assert.strictEqual(full.bidSkip, "inventory")
    assert.strictEqual(full.ask?.lots, 10)
  })

  it("clamps to the allowed range (sub-cent grid levels work the same)", () => {
    // a deci-cent grid has 999 levels; best bid at the top level: no room to improve
    const q = Q.quote(input([[997, 1]], [[998, 1]]), params({ maxLevel: 998, minSpreadTicks: 1 }))
    assert.strictEqual(q.bid?.level, 997) // no room to improve: 998 would lock the ask, so it joins
    // clamping may only make a quote less aggressive: a bid above the range moves down, never up
    const down = Q.quote(input([[960, 1]], [[990, 1]]), params({ maxLevel: 950, minSpreadTicks: 1 }))
    assert.strictEqual(down.bid?.level, 950)
    const r = Q.quote(input([[900, 1]], [[990, 1]]), params({ maxLevel: 950, minLevel: 905 }))
    assert.deepStrictEqual(levels(r), [undefined, undefined])
    assert.strictEqual(r.bidSkip, "range")
    assert.strictEqual(r.askSkip, "range")
  })

  it("requote tolerance keeps an order a little behind the ideal, never ahead", () => {
    const own = (level: number, lots = 10): ReadonlyArray<Q.OwnOrder> => [
      { id: "b", side: "buy", level, lots, createdAt: 99_000 }
    ]
    const book = (level: number) =>
      input(
        [
          [43, 100],
          [level, 10]
        ],
        [[60, 100]],
        { own: own(level) }
      )
    assert.strictEqual(Q.quote(book(42), params({ requoteToleranceTicks: 2 })).bid?.keep, "b")
    assert.isUndefined(Q.quote(book(41), params({ requoteToleranceTicks: 2 })).bid?.keep)
    assert.strictEqual(Q.quote(book(41), params({ requoteToleranceTicks: 3 })).bid?.keep, "b")
    assert.isUndefined(Q.quote(book(42), params()).bid?.keep)
    // size tolerance: a partly filled order (6 of 10) stays when tolerance ≥ 0.4
    const partial = input([[40, 100]], [[60, 100]], { own: own(41, 6) })
    assert.strictEqual(Q.quote(partial, params({ requoteSizeTolerance: 0.4 })).bid?.keep, "b")
    assert.isUndefined(Q.quote(partial, params({ requoteSizeTolerance: 0.3 })).bid?.keep)
  })

  it("max order age: an old order identical to the target is canceled and replaced", () => {
    const own: ReadonlyArray<Q.OwnOrder> = [{ id: "b", side: "buy", level: 41, lots: 10, createdAt: 0 }]
    const fresh = Q.quote(input([[40, 100]], [[60, 100]], { own, now: 59_999 }), params())
    assert.strictEqual(fresh.bid?.keep, "b")
    assert.deepStrictEqual(fresh.cancel, [])
    const old = Q.quote(input([[40, 100]], [[60, 100]], { own, now: 60_000 }), params())
    assert.isUndefined(old.bid?.keep)
    assert.deepStrictEqual(old.cancel, ["b"])
  })

  it("filled-order delay: nothing new on the filled side until the delay passes", () => {
    const q = Q.quote(input([[40, 100]], [[60, 100]], { lastBuyFillAt: 96_000 }), params())
    assert.isUndefined(q.bid)
    assert.strictEqual(q.bidSkip, "delay")
    assert.strictEqual(q.ask?.level, 59)
    const own: ReadonlyArray<Q.OwnOrder> = [{ id: "b", side: "buy", level: 41, lots: 4, createdAt: 90_000 }]
    const held = Q.quote(input([[40, 100]], [[60, 100]], { lastBuyFillAt: 96_000, own }), params())
    assert.strictEqual(held.bid?.keep, "b")
    const after = Q.quote(input([[40, 100]], [[60, 100]], { lastBuyFillAt: 95_000 }), params())
    assert.strictEqual(after.bid?.level, 41)
  })

  it("stops quoting before close, and when the market is not open", () => {
    const book = (now: number) => input([[40, 1]], [[50, 1]], { now, closeTime: 200_000 })
    assert.strictEqual(Q.quote(book(139_999), params()).bid?.level, 41)
    assert.strictEqual(Q.quote(book(140_000), params()).bidSkip, "closing")
    assert.strictEqual(Q.quote(input([[40, 1]], [[50, 1]], { open: false }), params()).askSkip, "closed")
  })

  it("a one-sided book quotes the side it can price", () => {
    const q = Q.quote(input([[40, 1]], []), params())
    assert.deepStrictEqual(levels(q), [41, undefined])
    assert.strictEqual(q.askSkip, "empty")
  })
})

describe("execution mode: maker path", () => {
  const work = (over: Partial<Q.WorkInput>, p = params()) =>
    Q.work(
      { ...input([[40, 100]], [[50, 100]]), deltaLots: 25, capLevel: 98, maxOrderLots: 10, ...over } as Q.WorkInput,
      p
    )

  it("works a buy target one tick above the best bid, capped by size", () => {
    const r = work({})
    assert.strictEqual(r._tag, "Quote")
    if (r._tag === "Quote") {
      assert.strictEqual(r.quotes.bid?.level, 41)
      assert.strictEqual(r.quotes.bid?.lots, 10)
      assert.isUndefined(r.quotes.ask)
    }
  })

  it("a sell target works the ask", () => {
    const r = work({ deltaLots: -3, capLevel: 0 })
    if (r._tag !== "Quote") return assert.fail(r._tag)
    assert.strictEqual(r.quotes.ask?.level, 49)
    assert.strictEqual(r.quotes.ask?.lots, 3)
  })

  it("the max-price cap holds the bid back", () => {
    const r = work({ capLevel: 38 })
    if (r._tag !== "Quote") return assert.fail(r._tag)
    assert.strictEqual(r.quotes.bid?.level, 38)
  })

  it("a tight spread hands over to the fallback; a met target idles", () => {
    const tight = work({ ...input([[40, 100]], [[41, 100]]) })
    assert.deepStrictEqual(tight, { _tag: "Tight", side: "buy", lots: 10 })
    assert.deepStrictEqual(work({ deltaLots: 0 }), { _tag: "Idle", reason: "target" })
  })
})

describe("quoting within the Risk limits (capLots)", () => {
  // a cap by price: 0.50 of notional per lot level (level 40 → 12 lots, level 49 → 10), and none above level 60
  const capLots = (side: "buy" | "sell", level: number) => (level > 60 ? 0 : side === "buy" ? 12 : 10)

  it("sizes are clamped to the cap at the level quoted; a cap of 0 skips the side as `limit`", () => {
    const q = Q.quote(input([[40, 100]], [[50, 100]]), params({ sizeCurve: [{ minSpreadTicks: 0, lots: 30 }] }))
    assert.deepStrictEqual([q.bid?.lots, q.ask?.lots], [30, 30])
    const capped = Q.quote(
      input([[40, 100]], [[50, 100]], { capLots }),
      params({ sizeCurve: [{ minSpreadTicks: 0, lots: 30 }] })
    )
    assert.deepStrictEqual([capped.bid?.lots, capped.ask?.lots], [12, 10])
    const none = Q.quote(input([[70, 100]], [[80, 100]], { capLots }), params())
    assert.deepStrictEqual([none.bid, none.ask, none.bidSkip, none.askSkip], [undefined, undefined, "limit", "limit"])
  })

  it("a resting order above the cap is replaced, one within it kept", () => {
    const own = (lots: number): ReadonlyArray<Q.OwnOrder> => [
      { id: "b", side: "buy", level: 41, lots, createdAt: 99_000 }
    ]
    const p = params({ sizeCurve: [{ minSpreadTicks: 0, lots: 30 }], requoteSizeTolerance: 1 })
    const over = Q.quote(
      input(
        [
          [41, 20],
          [40, 100]
        ],
        [[50, 100]],
        { own: own(20), capLots }
      ),
      p
    )
    assert.deepStrictEqual(over.bid, { level: 41, lots: 12, keep: undefined })
    const within = Q.quote(
      input(
        [
          [41, 12],
          [40, 100]
        ],
        [[50, 100]],
        { own: own(12), capLots }
      ),
      p
    )
    assert.strictEqual(within.bid?.keep, "b")
  })

  it("execution mode works at most the cap", () => {
    const r = Q.work(
      { ...input([[40, 100]], [[50, 100]], { capLots }), deltaLots: 50, capLevel: 98, maxOrderLots: 40 },
      params()
    )
    assert.strictEqual(r._tag === "Quote" ? r.quotes.bid?.lots : undefined, 12)
  })
})

describe("one step from what rests (stepFrom)", () => {
  const quotes = (bid: Q.SideQuote | undefined, ask: Q.SideQuote | undefined): Q.Quotes => ({
    bid,
    ask,
    cancel: [],
    bidSkip: undefined,
    askSkip: undefined
  })
  const own: ReadonlyArray<Q.OwnOrder> = [
    { id: "b", side: "buy", level: 72, lots: 50, createdAt: 0 },
    { id: "a", side: "sell", level: 74, lots: 50, createdAt: 0 }
  ]

  it("a new bid at or above our resting ask waits a round at its resting price; the ask moves now", () => {
    const q = Q.stepFrom(
      quotes({ level: 74, lots: 50, keep: undefined }, { level: 75, lots: 50, keep: undefined }),
      own
    )
    assert.deepStrictEqual(q.bid, { level: 72, lots: 50, keep: "b" })
    assert.deepStrictEqual(q.ask, { level: 75, lots: 50, keep: undefined })
    // the next round, the ask has moved: the bid goes in
    const moved = own.map((o) => (o.id === "a" ? { ...o, level: 75 } : o))
    const next = Q.stepFrom(quotes({ level: 74, lots: 50, keep: undefined }, { level: 75, lots: 50, keep: "a" }), moved)
    assert.deepStrictEqual(next.bid, { level: 74, lots: 50, keep: undefined })
  })

  it("a new ask at or below our resting bid waits the same way; quotes that meet nothing pass unchanged", () => {
    const q = Q.stepFrom(
      quotes({ level: 71, lots: 50, keep: undefined }, { level: 72, lots: 50, keep: undefined }),
      own
    )
    assert.deepStrictEqual(q.ask, { level: 74, lots: 50, keep: "a" })
    assert.deepStrictEqual(q.bid, { level: 71, lots: 50, keep: undefined })
    const fine = quotes({ level: 73, lots: 50, keep: undefined }, { level: 74, lots: 50, keep: "a" })
    assert.strictEqual(Q.stepFrom(fine, own), fine)
  })
})
