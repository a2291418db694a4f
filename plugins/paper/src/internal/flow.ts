/**
 * A seeded synthetic order flow: other participants posting around a random-walking fair price, canceling
 * and taking, one action per interval of the Effect Clock. Deterministic for a given seed and clock, so a
 * strategy can run unattended against the paper venue and a test with TestClock can replay it.
 */
import { Decimal as D, type Exchange, type Ids, type Order, TickGrid } from "@alpha-hunter/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type { PaperConfig } from "../PaperConfig.js"
import type { PaperVenueService } from "../PaperVenue.js"
import * as Prng from "./prng.js"

interface FlowState {
  readonly rng: number
  /** fair level per market */
  readonly fair: ReadonlyMap<Ids.Symbol, number>
}

/** One flow action on one market. */
const step = (
  config: PaperConfig,
  venue: PaperVenueService,
  exchange: Exchange.ExchangeService,
  state: Ref.Ref<FlowState>
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const markets = [...(yield* exchange.loadMarkets()).values()].filter((m) => m.status === "open")
    if (markets.length === 0) return
    const draw = Ref.modify(state, (s): readonly [number, FlowState] => {
      const [x, rng] = Prng.next(s.rng)
      return [x, { ...s, rng }]
    })
    const int = (n: number) => Effect.map(draw, (x) => Math.min(n - 1, Math.floor(x * n)))
    const market = markets[yield* int(markets.length)]!
    const grid = TickGrid.unsafeMake(market.tickGrid)
    const lastLevel = grid.size - 1
    // random walk of the fair level
    const walk = (yield* int(3)) - 1
    const fair = yield* Ref.modify(state, (s): readonly [number, FlowState] => {
      const cur = s.fair.get(market.symbol) ?? Math.floor(lastLevel / 2)
      const next = Math.max(1, Math.min(lastLevel - 1, cur + walk))
      return [next, { ...s, fair: new Map([...s.fair, [market.symbol, next]]) }]
    })
    const lots = 1 + (yield* int(config.flow.maxLots))
    const amount = D.max(market.minAmount, D.mulInt(market.amountStep, lots))
    const side: Order.Side = (yield* int(2)) === 0 ? "buy" : "sell"
    const roll = yield* int(100)
    if (roll < config.flow.takePercent) {
      const book = yield* exchange.fetchOrderBook(market.symbol, 1)
      const best = side === "buy" ? book.asks[0] : book.bids[0]
      if (best !== undefined) yield* venue.take({ symbol: market.symbol, side, price: best[0], amount })
      return
    }
    const mine = (yield* venue.externalOrders(market.symbol)).filter((o) => o.side === side)
    if (roll < 80 || mine.length === 0) {
      const offset = 1 + (yield* int(3))
      const level = side === "buy" ? fair - offset : fair + offset
      if (level < 0 || level > lastLevel) return
      yield* Effect.ignore(venue.addLiquidity({ symbol: market.symbol, side, price: grid.priceAt(level), amount }))
      if (mine.length + 1 > config.flow.maxOrdersPerSide && mine[0] !== undefined) {
        yield* venue.cancelExternal(mine[0].id)
      }
      return
    }
    const victim = mine[yield* int(mine.length)]
    if (victim !== undefined) yield* venue.cancelExternal(victim.id)
  }).pipe(Effect.ignore)

/** Runs the flow forever (fork it in the venue's scope). */
export const run = (
  config: PaperConfig,
  venue: PaperVenueService,
  exchange: Exchange.ExchangeService
): Effect.Effect<never> =>
  Effect.gen(function* () {
    const state = yield* Ref.make<FlowState>({ rng: Prng.seed(config.seed), fair: new Map() })
    return yield* step(config, venue, exchange, state).pipe(
      Effect.zipRight(Effect.sleep(Duration.millis(config.flow.intervalMillis))),
      Effect.forever
    )
  })
