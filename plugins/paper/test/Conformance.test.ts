import { Decimal as D, Fee, Ids, Market, TickGrid } from "@alpha-hunter/core"
import { ExchangeConformance, VenueFaults } from "@alpha-hunter/testkit"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PaperConfig, PaperVenue } from "../src/index.js"

const seedLiquidity = (args: ExchangeConformance.SeedArgs) =>
  Effect.flatMap(PaperVenue.PaperVenue, (v) => v.addLiquidity(args))

// the fault cases run in "paper (faults)" below, with faults injected
const notFaults = (c: { readonly id: string }) => !c.id.startsWith("faults.")

// binary markets from the generator (1¢ grid, whole contracts, quadratic fees)
const binaryFees = PaperConfig.PaperConfig.make({
  generate: PaperConfig.GeneratedMarkets.make({ count: 3 }),
  fees: Fee.QuadraticFee.make({
    takerRate: D.d("0.07"),
    makerRate: D.d("0.0175"),
    multiplier: D.ONE,
    precision: D.d("0.0001")
  })
})
ExchangeConformance.suite("paper (binary)", PaperVenue.layer(binaryFees), {
  symbol: Ids.Symbol.make("PAPER-2"),
  seedLiquidity,
  select: notFaults
})

// the same venue declaring its writes in process (`VenuePrimitives.inProcess`): the port sends each call's items
// on the caller's fiber, without its batchers or deadline — every rule holds the same
ExchangeConformance.suite(
  "paper (binary, writes in process)",
  PaperVenue.layer(binaryFees, (p) => Effect.succeed({ ...p, inProcess: true })),
  { symbol: Ids.Symbol.make("PAPER-2"), seedLiquidity, select: notFaults }
)

// a spot market listed in full, with a fine grid and fractional lots
const spot = Market.Market.make({
  venue: Ids.VenueId.make("paper"),
  symbol: Ids.Symbol.make("BTC-USD"),
  title: "Bitcoin / US dollar",
  kind: { _tag: "spot", base: "BTC", quote: "USD" },
  currency: "USD",
  status: "open",
  tickGrid: { ranges: [TickGrid.PriceRange.make({ start: D.d("1"), end: D.d("200000"), step: D.d("0.5") })] },
  amountStep: D.d("0.0001"),
  minAmount: D.d("0.001"),
  fees: Fee.ProportionalFee.make({ takerRate: D.d("0.001"), makerRate: D.ZERO, precision: D.d("0.01") })
})

ExchangeConformance.suite(
  "paper (spot)",
  PaperVenue.layer(PaperConfig.PaperConfig.make({ markets: [spot], balances: { USD: D.int(100_000), BTC: D.int(2) } })),
  { symbol: spot.symbol, seedLiquidity, select: notFaults }
)

// without seedLiquidity: every case that needs no counterparty (and no fault injection) still holds
ExchangeConformance.suite(
  "paper (no seedLiquidity)",
  PaperVenue.layer(PaperConfig.PaperConfig.make({ generate: PaperConfig.GeneratedMarkets.make({ count: 1 }) })),
  { symbol: Ids.Symbol.make("PAPER-1"), select: (c) => c.requires === undefined }
)

// the fault cases, with the faults injected at the primitives seam (the port's rules under lost answers,
// 429s, a dropped private stream, a skipped sequence number)
const binary = PaperConfig.PaperConfig.make({ generate: PaperConfig.GeneratedMarkets.make({ count: 3 }) })
const faulty = Layer.unwrapScoped(
  Effect.gen(function* () {
    const faults = yield* Deferred.make<ExchangeConformance.Faults>()
    const wrap = (p: Parameters<PaperVenue.Wrap>[0]) =>
      Effect.flatMap(VenueFaults.wrap(p), (w) => Effect.as(Deferred.succeed(faults, w.faults), w.primitives))
    const venue = yield* Layer.build(PaperVenue.layer(binary, wrap))
    return Layer.succeedContext(Context.add(venue, VenueFaults.InjectedFaults, yield* Deferred.await(faults)))
  })
)
// the fault cases with the writes sent in process: lost answers, 429s, a dropped private stream and a skipped
// sequence number meet the same rules on the caller's fiber as through the batchers
const faultyInProcess = Layer.unwrapScoped(
  Effect.gen(function* () {
    const faults = yield* Deferred.make<ExchangeConformance.Faults>()
    const wrap = (p: Parameters<PaperVenue.Wrap>[0]) =>
      Effect.flatMap(VenueFaults.wrap({ ...p, inProcess: true }), (w) =>
        Effect.as(Deferred.succeed(faults, w.faults), w.primitives)
      )
    const venue = yield* Layer.build(PaperVenue.layer(binary, wrap))
    return Layer.succeedContext(Context.add(venue, VenueFaults.InjectedFaults, yield* Deferred.await(faults)))
  })
)
ExchangeConformance.suite("paper (faults, writes in process)", faultyInProcess, {
  symbol: Ids.Symbol.make("PAPER-2"),
  seedLiquidity,
  faults: VenueFaults.fromContext,
  select: (c) => c.id.startsWith("faults.")
})

ExchangeConformance.suite("paper (faults)", faulty, {
  symbol: Ids.Symbol.make("PAPER-2"),
  seedLiquidity,
  faults: VenueFaults.fromContext,
  select: (c) => c.id.startsWith("faults.")
})
