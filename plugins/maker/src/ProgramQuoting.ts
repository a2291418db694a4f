/**
 * Program-aware quoting, the Effect part: reads the venue's incentive programs (the optional
 * `Incentive.IncentivePrograms` service the runner hands a strategy when its venue has programs), turns a
 * market's active liquidity program into `ProgramPlan.Terms`, plans the market on each book update, shares one
 * collateral budget between markets (a board of each market's latest plan, `ProgramPlan.allocate`) and applies
 * the hysteresis. `quote` answers `undefined` where the plain rule applies: programs off, no program on the
 * market, a closed or closing market, or a plan that cannot qualify within the limits or is not funded.
 * Shared state: the board and its last allocation in a `Ref` (recomputed at most once a second, or when a market
 * joins it), and a memo of the programs by market of the service's newest list (rebuilt when it lists a new
 * one). Per market, in its own loop (like the maker's prepared market): the last plan and its key, and the mode
 * it is quoted in (a log line when it changes).
 */
import { Decimal as D, Incentive, type Lip } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type { MakerConfig } from "./MakerConfig.js"
import type { Prepared } from "./Prepared.js"
import * as Plan from "./ProgramPlan.js"
import * as Q from "./Quoting.js"

const DAY_MS = 86_400_000
/** the budget is shared again at most this often (a market joining the board is placed at once) */
const ALLOCATE_EVERY_MS = 1_000

interface Board {
  /** each market's latest plan (a persistent map: a decision's update is O(log n), not a copy of the board) */
  readonly bids: HashMap.HashMap<string, Plan.Bid>
  readonly granted: ReadonlyMap<string, D.Decimal>
  readonly at: number
}

/** The program terms of a market now: its active liquidity program paying the most per day, if any. */
export const termsOf = (programs: ReadonlyArray<Incentive.IncentiveProgram>, now: number): Plan.Terms | undefined => {
  let best: Plan.Terms | undefined
  for (const p of programs) {
    if (p.kind !== "liquidity" || Incentive.statusAt(p, now) !== "active") continue
    if (p.targetSize === undefined || p.discountFactor === undefined || p.end <= p.start) continue
    const rewardPerDay = D.div(D.mulInt(p.periodReward, DAY_MS), D.int(p.end - p.start), "floor")
    if (best === undefined || rewardPerDay > best.rewardPerDay) {
      best = { target: p.targetSize, discountFactor: p.discountFactor, rewardPerDay }
    }
  }
  return best
}

export const geometry = (p: Prepared): Plan.Geometry => ({
  top: p.grid.size - 1,
  minLevel: p.quote.minLevel,
  maxLevel: p.quote.maxLevel,
  priceAt: (level) => p.grid.priceAt(level),
  step: p.step,
  fees: p.market.fees
})

export const settingsOf = (c: MakerConfig["programs"]): Plan.Settings => ({
  hurdle: c.minDailyReturn,
  fillRate: c.fillRate,
  adverseTicks: c.adverseTicks,
  rules: { reference: c.reference, depth: c.depth, distance: c.distance } satisfies Lip.Rules,
  minRestMs: c.minRestMs,
  requoteGain: c.requoteGain
})

/**
 * What a plan depends on: the others' book (our orders removed), the size caps at the levels a side can be
 * planned at (the others' best, one tick better) and the terms.
 */
export const planKey = (
  input: Q.QuoteInput,
  bidCap: (level: number) => number,
  askCap: (level: number) => number,
  terms: Plan.Terms
): string => {
  const side = (book: Q.SideLevels, which: Plan.Side, cap: (level: number) => number) => {
    const o = Plan.others(book, input.own, which)
    let k = ""
    for (let i = 0; i < o.levels.length; i++) k += `${o.levels[i]}:${o.lots[i]},`
    const best = o.levels[0]
    return best === undefined ? k : `${k}/${cap(best)}/${cap(which === "buy" ? best + 1 : best - 1)}`
  }
  return `${side(input.bids, "buy", bidCap)}|${side(input.asks, "sell", askCap)}|${terms.target}|${terms.discountFactor}|${terms.rewardPerDay}`
}

/**
 * One market's program quotes from its book (pure): the plan, the two sides settled against our resting
 * orders (undefined when the plan falls back to the plain rule). `cached` is the last plan and its key: reused
 * when the key is the same (a book change of our own orders only, the hot path's usual case).
 */
export const quotesFor = (
  p: Prepared,
  input: Q.QuoteInput,
  terms: Plan.Terms,
  s: Plan.Settings,
  maxSizeLots: number,
  /** the orders resting were placed by the plan (false right after a switch from the plain rule: no minimum rest) */
  planned = true,
  cached?: { readonly key: string; readonly plan: Plan.MarketPlan }
): { readonly plan: Plan.MarketPlan; readonly key: string; readonly quotes: Q.Quotes | undefined } => {
  const g = geometry(p)
  const q = input.positionLots
  const max = p.quote.maxPositionLots
  const bidRoom = Math.min(maxSizeLots, Number.isFinite(max) ? max - q : maxSizeLots)
  const askRoom = Math.min(maxSizeLots, Number.isFinite(max) ? max + q : maxSizeLots)
  // the program cap and inventory room, and the Risk limits on an order at the level
  const bidCap = (level: number) => Math.min(bidRoom, Q.capAt(input, "buy", level))
  const askCap = (level: number) => Math.min(askRoom, Q.capAt(input, "sell", level))
  const key = planKey(input, bidCap, askCap, terms)
  const plan =
    cached !== undefined && cached.key === key
      ? cached.plan
      : Plan.planMarket(
          Plan.planSide("buy", input.bids, input.asks, input.own, bidCap, terms, g, s),
          Plan.planSide("sell", input.asks, input.bids, input.own, askCap, terms, g, s),
          terms,
          g
        )
  if (plan.fallback !== undefined) return { plan, key, quotes: undefined }
  const inDelay = (t: number | undefined) => t !== undefined && input.now - t < p.quote.filledOrderDelayMs
  const side = (
    o: Plan.Option | undefined,
    which: Plan.Side,
    cap: (level: number) => number,
    lastFill: number | undefined
  ) => {
    if (o === undefined) return undefined
    const book = which === "buy" ? input.bids : input.asks
    const opposite = which === "buy" ? input.asks : input.bids
    const now = planned ? input.now : Number.POSITIVE_INFINITY
    const settled = Plan.settleSide(o, which, input.own, book, opposite, cap, terms, g, s, now)
    // after a fill: keep what rests, place nothing new on that side for a while
    if (inDelay(lastFill) && settled.keep === undefined) return undefined
    return settled
  }
  let bid = side(plan.bid, "buy", bidCap, input.lastBuyFillAt)
  let ask = side(plan.ask, "sell", askCap, input.lastSellFillAt)
  // a kept order may sit elsewhere than planned: the pair must still not cross
  if (bid !== undefined && ask !== undefined && bid.level >= ask.level) {
    if (bid.keep !== undefined) ask = { level: plan.ask!.level, lots: plan.ask!.lots, keep: undefined }
    if (ask.keep !== undefined || bid.level >= ask.level)
      bid = { level: plan.bid!.level, lots: plan.bid!.lots, keep: undefined }
    if (bid.level >= ask.level) ask = { level: plan.ask!.level, lots: plan.ask!.lots, keep: undefined }
  }
  return {
    plan,
    key,
    quotes: {
      bid,
      ask,
      cancel: [],
      bidSkip: bid === undefined ? (plan.bid === undefined ? "range" : "delay") : undefined,
      askSkip: ask === undefined ? (plan.ask === undefined ? "range" : "delay") : undefined
    }
  }
}

const describe = (p: Prepared, plan: Plan.MarketPlan) => {
  const side = (o: Plan.Option | undefined, name: string) =>
    o === undefined
      ? `no ${name}`
      : `${name} ${D.format(p.grid.priceAt(o.level))} x${D.format(D.mulInt(p.step, o.lots))} (${o.improve ? "improve" : "join"})`
  return `${side(plan.bid, "bid")}, ${side(plan.ask, "ask")}; projected $${D.format(plan.reward, 2, "floor")}/day on $${D.format(plan.collateral, 2, "ceil")} collateral`
}

/** Program quotes for one market's book, or undefined where the plain rule applies. */
export type MarketQuoting = (p: Prepared, input: Q.QuoteInput) => Effect.Effect<Q.Quotes | undefined>

export interface ProgramQuoting {
  /** the program quoting of one market: called from that market's loop only (it keeps the market's last plan) */
  readonly market: (symbol: string) => MarketQuoting
}

export const make = (config: MakerConfig, id: string): Effect.Effect<ProgramQuoting> =>
  Effect.gen(function* () {
    const incentives = yield* Effect.serviceOption(Incentive.IncentivePrograms)
    const c = config.programs
    const settings = settingsOf(c)
    const board = yield* Ref.make<Board>({ bids: HashMap.empty(), granted: new Map(), at: 0 })
    // the programs by market of the service's newest list: a memo of a pure function of that (immutable) list,
    // worked out again only when the service lists a new array (read on every decision: no runtime step)
    let index:
      | {
          readonly list: ReadonlyArray<Incentive.IncentiveProgram>
          readonly bySymbol: ReadonlyMap<string, ReadonlyArray<Incentive.IncentiveProgram>>
        }
      | undefined
    const programsIn = (list: ReadonlyArray<Incentive.IncentiveProgram>, symbol: string) => {
      if (index?.list !== list) {
        const bySymbol = new Map<string, Array<Incentive.IncentiveProgram>>()
        for (const p of list) bySymbol.set(p.symbol, [...(bySymbol.get(p.symbol) ?? []), p])
        index = { list, bySymbol }
      }
      return index.bySymbol.get(symbol) ?? []
    }

    // the programs are read when the venue opens; if that read has not landed yet, read them once now
    if (c.enabled && Option.isSome(incentives) && (yield* incentives.value.current).length === 0) {
      yield* incentives.value.refresh.pipe(
        Effect.catchAll((e) => Effect.logWarning(`maker ${id}: incentive programs not read: ${e.message}`))
      )
    }

    const leave = (symbol: string) =>
      Ref.update(board, (b) => (HashMap.has(b.bids, symbol) ? { ...b, bids: HashMap.remove(b.bids, symbol) } : b))
    /** puts a market's plan on the board; the collateral it is granted (undefined: none) */
    const bid = (symbol: string, plan: Plan.MarketPlan, now: number) =>
      Ref.modify(board, (b): [D.Decimal | undefined, Board] => {
        const bids = HashMap.set(b.bids, symbol, { symbol, net: plan.value, collateral: plan.collateral })
        const stale = now - b.at >= ALLOCATE_EVERY_MS || !HashMap.has(b.bids, symbol)
        const granted = stale ? Plan.allocate([...HashMap.values(bids)], c.maxCollateral) : b.granted
        return [granted.get(symbol), { bids, granted, at: stale ? now : b.at }]
      })

    const market = (symbol: string): MarketQuoting => {
      // this market's loop is the only caller: its last plan and mode live here, not in a shared map
      let cached: { readonly key: string; readonly plan: Plan.MarketPlan } | undefined
      let mode: "program" | "plain" | undefined
      let failed = false
      // whether the market may be on the board (unknown at first: a loop restarted after a failure left it as
      // it was), so a decision off the board leaves it without touching the shared Ref
      let onBoard = true
      // the line is built only when the mode changes (not on every decision)
      const note = (next: "program" | "plain", line: () => string) => {
        if (mode === next) return Effect.void
        mode = next
        // quoting for a program is news (info); why a program market is quoted plainly is detail (debug)
        return next === "program"
          ? Effect.logInfo(`maker ${id}: ${symbol}: ${line()}`)
          : Effect.logDebug(`maker ${id}: ${symbol}: ${line()}`)
      }
      // off the board, answering "no program quotes" (once: a decision off the board leaves it without touching
      // the shared Ref)
      const none: Effect.Effect<undefined> = Effect.succeed(undefined)
      const offBoard = (): Effect.Effect<undefined> => {
        if (!onBoard) return none
        onBoard = false
        return Effect.as(leave(symbol), undefined)
      }
      const plain = (why: string): Effect.Effect<undefined> =>
        mode === "plain"
          ? offBoard()
          : Effect.zipRight(
              offBoard(),
              Effect.as(
                note("plain", () => `liquidity program, quoted plainly: ${why}`),
                undefined
              )
            )
      // a flatMap chain rather than a generator: this runs on every decision of every program market
      const decide = (
        p: Prepared,
        input: Q.QuoteInput,
        programs: ReadonlyArray<Incentive.IncentiveProgram>
      ): Effect.Effect<Q.Quotes | undefined> => {
        const closing = input.closeTime !== undefined && input.closeTime - input.now <= p.quote.stopBeforeCloseMs
        const terms = termsOf(programs, input.now)
        if (!input.open || closing || terms === undefined) return offBoard()
        const maxSizeLots = Number(D.divToInt(c.maxSize, p.step, "down"))
        const planned = mode === "program"
        const full = quotesFor(p, input, terms, settings, maxSizeLots, planned, cached)
        cached = { key: full.key, plan: full.plan }
        if (full.plan.fallback !== undefined || full.quotes === undefined) return plain(`${full.plan.fallback}`)
        onBoard = true
        return Effect.flatMap(bid(symbol, full.plan, input.now), (granted) => {
          // the market where the budget runs out is planned again with sizes scaled down to what is left (from
          // the plan's own sizes, which the caps and limits already bound)
          const planLots = Math.max(full.plan.bid?.lots ?? 0, full.plan.ask?.lots ?? 0)
          const { plan, quotes } =
            granted === undefined || granted >= full.plan.collateral
              ? full
              : quotesFor(
                  p,
                  input,
                  terms,
                  settings,
                  Number(D.divToInt(D.mulInt(granted, planLots), full.plan.collateral, "down")),
                  planned
                )
          if (granted === undefined || quotes === undefined) {
            return Effect.as(
              note("plain", () => "liquidity program, quoted plainly: the collateral budget funds better markets"),
              undefined
            )
          }
          return mode === "program"
            ? Effect.succeed(quotes)
            : Effect.as(
                note("program", () => `quoting for its liquidity program: ${describe(p, plan)}`),
                quotes
              )
        })
      }
      return (p, input) =>
        (!c.enabled || Option.isNone(incentives)
          ? none
          : Effect.flatMap(incentives.value.current, (list) => decide(p, input, programsIn(list, symbol)))
        ).pipe(
          // a bug here must not stop the market's loop: say so once per market, and quote it plainly
          Effect.catchAllDefect((d) => {
            const first = !failed
            failed = true
            mode = "plain"
            return first
              ? Effect.as(
                  Effect.logWarning(`maker ${id}: ${symbol}: program quoting failed, quoted plainly: ${d}`),
                  undefined
                )
              : Effect.succeed(undefined)
          })
        )
    }

    return { market }
  })
