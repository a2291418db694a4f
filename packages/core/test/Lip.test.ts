import { assert, describe, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as D from "../src/Decimal.js"
import * as Lip from "../src/Lip.js"
import * as TickGrid from "../src/TickGrid.js"

const range = (start: string, end: string, step: string) =>
  TickGrid.PriceRange.make({ start: D.d(start), end: D.d(end), step: D.d(step) })
const cent = TickGrid.unsafeMake({ ranges: [range("0", "1", "0.01")], min: D.d("0.01"), max: D.d("0.99") })
const deciCent = TickGrid.unsafeMake({ ranges: [range("0", "1", "0.001")], min: D.d("0.001"), max: D.d("0.999") })
const tapered = TickGrid.unsafeMake({
  ranges: [range("0", "0.1", "0.001"), range("0.1", "0.9", "0.01"), range("0.9", "1", "0.001")],
  min: D.d("0.001"),
  max: D.d("0.999")
})

const params = (target: number, df = "0.5"): Lip.Params => ({ targetSize: D.int(target), discountFactor: D.d(df) })
const lv = (p: string, n: number) => [D.d(p), D.int(n)] as const
const mine = (side: "buy" | "sell", price: string, size: number, ahead = 0): Lip.OurOrder => ({
  side,
  price: D.d(price),
  size: D.int(size),
  ahead: D.int(ahead)
})
/** floor(n / d) at 18 digits, as the scorer rounds */
const q = (n: bigint, d: bigint) => D.fromScaled((n * 10n ** 18n) / d)
const rules = (r: Partial<Lip.Rules>): Lip.Rules => ({ ...Lip.defaultRules, ...r })

// a NO side that qualifies and where we have nothing
const noSide100 = [lv("0.52", 100)]

describe("Lip scorer: hand-computed snapshots", () => {
  it("cent grid, default rules: whole levels, Target/5 reference, DF^ticks", () => {
    // YES: 0.50 [10 others, 10 ours], 0.49 50, 0.47 60 → ref 0.50 (cum 20 = Target/5)
    // weights 20·1 + 50·½ + 60·⅛ = 52.5; ours 10 → 4/21
    const snap = Lip.fromBook(cent, [lv("0.50", 20), lv("0.49", 50), lv("0.47", 60)], noSide100, [
      mine("buy", "0.50", 10, 10)
    ])
    const s = Lip.scoreSnapshot(snap, params(100))
    assert.isTrue(s.included)
    assert.strictEqual(s.yes.status, "qualifies")
    assert.strictEqual(s.yes.share, q(4n, 21n))
    assert.strictEqual(D.format(s.yes.share), "0.190476190476190476")
    assert.strictEqual(s.no.share, D.ZERO)
    assert.strictEqual(s.score, q(4n, 21n))
    assert.strictEqual(s.all, 2)
    assert.isTrue(s.yes.atBest)
    assert.isFalse(s.no.atBest)
  })

  it("reference rule variants: a small order alone at the top does not set the Target/5 reference", () => {
    // YES: 0.50 ours 5, 0.49 30, 0.48 100; Target 100 → Target/5 = 20 reached at 0.49
    const snap = Lip.fromBook(cent, [lv("0.50", 5), lv("0.49", 30), lv("0.48", 100)], noSide100, [
      mine("buy", "0.50", 5)
    ])
    // target-fifth: 5 + 30 + 100·½ = 85 → 5/85
    const fifth = Lip.scoreSide(snap.yes, params(100))
    assert.strictEqual(fifth.referenceTick, cent.levelOf(D.d("0.49")))
    assert.strictEqual(fifth.share, q(1n, 17n))
    // best-price: 5 + 30·½ + 100·¼ = 45 → 1/9
    const best = Lip.scoreSide(snap.yes, params(100), rules({ reference: "best-price" }))
    assert.strictEqual(best.referenceTick, cent.levelOf(D.d("0.50")))
    assert.strictEqual(D.format(best.share), "0.111111111111111111")
    // target-fifth, cut at Target: the 0.48 level counts 65 → 5 + 30 + 32.5 = 67.5 → 2/27
    const cut = Lip.scoreSide(snap.yes, params(100), rules({ depth: "cut-at-target" }))
    assert.strictEqual(cut.share, q(2n, 27n))
  })

  it("our order behind the reference: DF per grid tick, or per occupied book level", () => {
    // YES: 0.60 40 (ref), 0.57 [20 ours, 50 others]; Target 100
    const snap = Lip.fromBook(cent, [lv("0.60", 40), lv("0.57", 70)], noSide100, [mine("buy", "0.57", 20)])
    // ticks: 3 below → ⅛: 40 + 70·⅛ = 48.75, ours 2.5 → 2/39
    const ticks = Lip.scoreSide(snap.yes, params(100))
    assert.strictEqual(ticks.share, q(2n, 39n))
    assert.isFalse(ticks.atBest)
    // book levels: 1 below → ½: 40 + 35 = 75, ours 10 → 2/15
    const levels = Lip.scoreSide(snap.yes, params(100), rules({ distance: "book-levels" }))
    assert.strictEqual(levels.share, q(2n, 15n))
  })

  it("partial level: time priority decides under cut-at-target; whole levels count everyone", () => {
    // YES: 0.56 60 (ref), 0.55 [30 others ahead, 20 ours, 50 others]; Target 100
    const book = [lv("0.56", 60), lv("0.55", 100)] as const
    const ahead30 = Lip.fromBook(cent, book, noSide100, [mine("buy", "0.55", 20, 30)])
    // cut: 60 + 30·½ + 10·½ = 80; ours 5 → 1/16
    const cut = Lip.scoreSide(ahead30.yes, params(100), rules({ depth: "cut-at-target" }))
    assert.strictEqual(D.format(cut.share), "0.0625")
    assert.strictEqual(D.format(cut.ourQualifying), "10")
    // 50 ahead: the cut falls before us
    const ahead50 = Lip.fromBook(cent, book, noSide100, [mine("buy", "0.55", 20, 50)])
    assert.strictEqual(Lip.scoreSide(ahead50.yes, params(100), rules({ depth: "cut-at-target" })).share, D.ZERO)
    // whole levels: 60 + 100·½ = 110, ours 10 → 1/11, wherever we stand in the queue
    assert.strictEqual(Lip.scoreSide(ahead30.yes, params(100)).share, q(1n, 11n))
    assert.strictEqual(Lip.scoreSide(ahead50.yes, params(100)).share, q(1n, 11n))
  })

  it("one side short of Target: the snapshot is excluded", () => {
    const snap = Lip.fromBook(cent, [lv("0.50", 200)], [lv("0.52", 99)], [mine("buy", "0.50", 100)])
    const s = Lip.scoreSnapshot(snap, params(100))
    assert.isFalse(s.included)
    assert.strictEqual(s.no.status, "short-of-target")
    assert.strictEqual(s.score, D.ZERO)
    assert.strictEqual(s.all, 0)
    // the YES side alone would have scored
    assert.strictEqual(D.format(s.yes.share), "0.5")
  })

  it("best bid at 99¢: nothing on that side qualifies, the other side still pays", () => {
    // YES bid at the top of the grid (the scorer does not check that the book is uncrossed); NO bid at 0.40
    const snap = Lip.fromBook(
      cent,
      [lv("0.99", 150)],
      [lv("0.60", 120)],
      [mine("buy", "0.99", 50), mine("sell", "0.60", 60)]
    )
    const s = Lip.scoreSnapshot(snap, params(100))
    assert.isTrue(s.included)
    assert.strictEqual(s.yes.status, "top-price")
    assert.strictEqual(s.yes.share, D.ZERO)
    assert.strictEqual(D.format(s.no.share), "0.5")
    assert.strictEqual(s.all, 1)
    // the NO side's top is YES ask 0.01 (a NO bid at 99¢)
    const pinnedNo = Lip.fromBook(cent, [lv("0.50", 150)], [lv("0.01", 150)], [])
    assert.strictEqual(Lip.scoreSide(pinnedNo.no, params(100)).status, "top-price")
  })

  it("deci-cent grid: ticks are 0.1¢", () => {
    // YES: 0.503 20 (ref, Target/5 = 10), 0.500 ours 30; Target 50; 3 ticks → ⅛: 20 + 3.75 → 3/19
    const snap = Lip.fromBook(deciCent, [lv("0.503", 20), lv("0.500", 30)], [lv("0.6", 50)], [mine("buy", "0.500", 30)])
    assert.strictEqual(Lip.scoreSide(snap.yes, params(50)).share, q(3n, 19n))
    // book levels: 1 → ½: 20 + 15 = 35 → 3/7
    assert.strictEqual(Lip.scoreSide(snap.yes, params(50), rules({ distance: "book-levels" })).share, q(3n, 7n))
  })

  it("tapered grid: fine ticks at the edge (NO side), whole cents in the middle (YES side)", () => {
    // NO side: YES asks 0.905 30 (NO bid 0.095, ref) and 0.91 ours 30 (NO bid 0.09): 5 fine ticks → 1/32
    // 30 + 30/32 = 30.9375, ours 0.9375 → 1/33
    // YES side: 0.50 20 (ref), 0.48 ours 30: 2 cent ticks → ¼: 20 + 7.5 → 3/11
    const snap = Lip.fromBook(
      tapered,
      [lv("0.50", 20), lv("0.48", 30)],
      [lv("0.905", 30), lv("0.91", 30)],
      [mine("buy", "0.48", 30), mine("sell", "0.91", 30)]
    )
    const s = Lip.scoreSnapshot(snap, params(50))
    assert.strictEqual(s.no.share, q(1n, 33n))
    assert.strictEqual(s.yes.share, q(3n, 11n))
    assert.strictEqual(s.score, D.add(q(1n, 33n), q(3n, 11n)))
  })

  it("a closed market is excluded", () => {
    const snap = Lip.fromBook(cent, [lv("0.50", 200)], noSide100, [mine("buy", "0.50", 100)], false)
    assert.isFalse(Lip.scoreSnapshot(snap, params(100)).included)
  })

  it("period: score, coverage, the reward rounded down to the cent, nothing below $1.00", () => {
    // 3600 snapshots, 3000 included (all = 6000), ours 600 → period score 0.1; $20 × 0.1 × 3000/3600 = $1.666…
    const p: Lip.Period = { ...Lip.emptyPeriod, snapshots: 3600, included: 3000, ours: D.int(600), all: 6000 }
    const r = Lip.project({ ...p, atBestBoth: 1800 }, D.int(20))
    assert.strictEqual(D.format(r.periodScore), "0.1")
    assert.strictEqual(D.format(r.coverage), "0.5")
    assert.strictEqual(D.format(r.earned), "1.66")
    assert.strictEqual(D.format(r.paid), "1.66")
    const small = Lip.project({ ...p, ours: D.int(300) }, D.int(20))
    assert.strictEqual(D.format(small.earned), "0.83")
    assert.strictEqual(small.paid, D.ZERO)
    assert.strictEqual(Lip.project(Lip.emptyPeriod, D.int(20)).paid, D.ZERO)
  })

  it("addSnapshot accumulates", () => {
    const snap = Lip.fromBook(
      cent,
      [lv("0.50", 100)],
      [lv("0.52", 100)],
      [mine("buy", "0.50", 50), mine("sell", "0.52", 25)]
    )
    const s = Lip.scoreSnapshot(snap, params(100))
    const p = Lip.addSnapshot(Lip.addSnapshot(Lip.emptyPeriod, s), s)
    assert.strictEqual(p.snapshots, 2)
    assert.strictEqual(p.included, 2)
    assert.strictEqual(D.format(p.ours), "1.5")
    assert.strictEqual(p.all, 4)
    assert.strictEqual(p.atBestBoth, 2)
    // 1.5/4 × $10 = $3.75
    assert.strictEqual(D.format(Lip.project(p, D.int(10)).paid), "3.75")
  })

  it("levelFromQueue lays our orders out at their queue positions", () => {
    const l = Lip.levelFromQueue(5, D.int(100), [
      { ahead: D.int(30), size: D.int(10) },
      { ahead: D.int(60), size: D.int(5) }
    ])
    assert.deepStrictEqual(
      l.orders.map((o) => [D.format(o.size), o.ours]),
      [
        ["30", false],
        ["10", true],
        ["30", false],
        ["5", true],
        ["25", false]
      ]
    )
  })
})

// ---- properties ------------------------------------------------------------------------------------

const grids = [cent, deciCent, tapered]
const ruleSets: ReadonlyArray<Lip.Rules> = (["best-price", "target-fifth"] as const).flatMap((reference) =>
  (["whole-levels", "cut-at-target"] as const).flatMap((depth) =>
    (["grid-ticks", "book-levels"] as const).map((distance) => ({ reference, depth, distance }))
  )
)

/** a side: up to 8 levels with up to 4 orders each, each order ours or not */
const sideArb = (gridSize: number) =>
  fc
    .uniqueArray(
      fc.record({
        tick: fc.integer({ min: 0, max: gridSize - 1 }),
        orders: fc.array(fc.record({ size: fc.integer({ min: 1, max: 200 }), ours: fc.boolean() }), {
          minLength: 1,
          maxLength: 4
        })
      }),
      { selector: (l) => l.tick, maxLength: 8 }
    )
    .map(
      (ls): Lip.Side => ({
        topTick: gridSize - 1,
        levels: [...ls]
          .sort((a, b) => b.tick - a.tick)
          .map((l) => ({ tick: l.tick, orders: l.orders.map((o) => ({ size: D.int(o.size), ours: o.ours })) }))
      })
    )

const caseArb = fc.integer({ min: 0, max: grids.length - 1 }).chain((g) =>
  fc.record({
    g: fc.constant(g),
    side: sideArb(grids[g]!.size),
    target: fc.integer({ min: 1, max: 400 }),
    dfBps: fc.integer({ min: 0, max: 10_000 }),
    rules: fc.constantFrom(...ruleSets)
  })
)

const flip = (s: Lip.Side): Lip.Side => ({
  ...s,
  levels: s.levels.map((l) => ({ ...l, orders: l.orders.map((o) => ({ ...o, ours: !o.ours })) }))
})
const pOf = (c: { target: number; dfBps: number }): Lip.Params => ({
  targetSize: D.int(c.target),
  discountFactor: D.fromUnits(c.dfBps, 4)
})
const ULP = D.fromScaled(1n)

describe("Lip scorer: properties", () => {
  it.prop("a side's shares over all participants sum to 1 (to the last digit)", [caseArb], ([c]) => {
    const a = Lip.scoreSide(c.side, pOf(c), c.rules)
    const b = Lip.scoreSide(flip(c.side), pOf(c), c.rules)
    if (a.status !== "qualifies") return b.share === D.ZERO && a.share === D.ZERO
    const total = D.add(a.share, b.share)
    // unless nothing scores (DF 0 and all weight behind the reference)
    return total === D.ZERO || (total <= D.ONE && total >= D.sub(D.ONE, D.mulInt(ULP, 2)))
  })

  it.prop("a share is in [0, 1] and is 0 without orders of ours", [caseArb], ([c]) => {
    const s = Lip.scoreSide(c.side, pOf(c), c.rules)
    const anyOurs = c.side.levels.some((l) => l.orders.some((o) => o.ours))
    return s.share >= 0n && s.share <= D.ONE && (anyOurs || s.share === D.ZERO)
  })

  it.prop(
    "with DF = 1 and whole levels the share is our qualifying size over the qualifying depth",
    [caseArb],
    ([c]) => {
      const r: Lip.Rules = { ...c.rules, depth: "whole-levels" }
      const s = Lip.scoreSide(c.side, { ...pOf(c), discountFactor: D.ONE }, r)
      if (s.status !== "qualifies") return true
      let cum = 0n
      let mineQ = 0n
      for (const l of c.side.levels) {
        if (cum >= D.int(c.target)) break
        for (const o of l.orders) {
          cum += o.size
          if (o.ours) mineQ += o.size
        }
      }
      return s.share === q(mineQ, cum)
    }
  )

  it.prop("the two reference rules agree when the best level alone holds Target/5", [caseArb], ([c]) => {
    const best = c.side.levels[0]
    if (best === undefined) return true
    const size = best.orders.reduce((a, o) => a + o.size, 0n)
    if (size * 5n < D.int(c.target)) return true
    const a = Lip.scoreSide(c.side, pOf(c), { ...c.rules, reference: "best-price" })
    const b = Lip.scoreSide(c.side, pOf(c), { ...c.rules, reference: "target-fifth" })
    return a.share === b.share && a.referenceTick === b.referenceTick
  })

  it.prop("moving our order up to the best price never lowers our share", [caseArb], ([c]) => {
    const s = Lip.scoreSide(c.side, pOf(c), c.rules)
    if (s.status !== "qualifies" || c.side.levels.length < 2) return true
    // take our orders off the other levels and put them at the front of the best level
    let moved = 0n
    const levels = c.side.levels.map((l, i) => {
      if (i === 0) return l
      const kept = l.orders.filter((o) => !o.ours)
      for (const o of l.orders) if (o.ours) moved += o.size
      return { ...l, orders: kept }
    })
    if (moved === 0n) return true
    // under book-levels distance a level the move empties stops separating the others from the best, so they
    // come closer and can gain on us (the example below); the property is about the move alone
    if (c.rules.distance === "book-levels" && levels.some((l, i) => i > 0 && l.orders.every((o) => o.size <= 0n)))
      return true
    const first = levels[0]!
    const up: Lip.Side = {
      ...c.side,
      levels: [{ ...first, orders: [{ size: D.fromScaled(moved), ours: true }, ...first.orders] }, ...levels.slice(1)]
    }
    const t = Lip.scoreSide(up, pOf(c), c.rules)
    return t.status !== "qualifies" || t.share >= s.share
  })

  it("book-levels: moving up can lower our share when it empties the level between the best and the others", () => {
    // found by the property above (seed -140994914): 1 of ours at each of the two best levels, 1 of theirs below
    const o = (size: number, ours: boolean) => ({ size: D.int(size), ours })
    const p = pOf({ target: 3, dfBps: 1 })
    const r = rules({ reference: "best-price", depth: "cut-at-target", distance: "book-levels" })
    const before: Lip.Side = {
      topTick: 278,
      levels: [
        { tick: 2, orders: [o(1, true)] },
        { tick: 1, orders: [o(1, true)] },
        { tick: 0, orders: [o(1, false)] }
      ]
    }
    const after: Lip.Side = {
      topTick: 278,
      levels: [
        { tick: 2, orders: [o(2, true)] },
        { tick: 0, orders: [o(1, false)] }
      ]
    }
    // DF = 0.0001: ours 1 + 0.0001 of 1.00010001 before; 2 of 2.0001 after (theirs is now one level away)
    assert.strictEqual(Lip.scoreSide(before, p, r).share, q(100_010_000n, 100_010_001n))
    assert.strictEqual(Lip.scoreSide(after, p, r).share, q(20_000n, 20_001n))
    assert.isTrue(Lip.scoreSide(after, p, r).share < Lip.scoreSide(before, p, r).share)
    // in grid ticks theirs stays two ticks away, and the move gains
    const ticks = rules({ reference: "best-price", depth: "cut-at-target", distance: "grid-ticks" })
    assert.isTrue(Lip.scoreSide(after, p, ticks).share > Lip.scoreSide(before, p, ticks).share)
  })

  it.prop(
    "the projected reward is a whole number of cents, never above the pool, and 0 or at least $1",
    [
      fc.integer({ min: 1, max: 86_400 }),
      fc.integer({ min: 0, max: 100 }),
      fc.bigInt({ min: 0n, max: 10n ** 18n }),
      fc.integer({ min: 100, max: 100_000 })
    ],
    ([snapshots, includedPct, perSnap, rewardCents]) => {
      const included = Math.floor((snapshots * includedPct) / 100)
      const p: Lip.Period = {
        ...Lip.emptyPeriod,
        snapshots,
        included,
        all: included * 2,
        ours: D.fromScaled(perSnap * BigInt(included))
      }
      const reward = D.fromUnits(rewardCents, 2)
      const r = Lip.project(p, reward)
      return (
        D.isMultipleOf(r.paid, D.d("0.01")) &&
        r.paid <= reward &&
        (r.paid === D.ZERO || r.paid >= D.ONE) &&
        r.earned <= reward
      )
    }
  )
})
