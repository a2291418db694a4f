/**
 * The shared Exchange conformance suite against kalshi-sim over real loopback HTTP and WebSocket; then its
 * fault cases, with the faults injected by the sim (lost and undecodable answers, 429s, dropped sockets,
 * skipped sequence numbers).
 */
import { type Exchange, Ids, Order } from "@alpha-hunter/core"
import type { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { ExchangeConformance } from "@alpha-hunter/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as KalshiExchange from "../src/KalshiExchange.js"
import { connect, optionsFor, Sim, simLayer } from "./utils.js"

class Seeder extends Context.Tag("test/Seeder")<
  Seeder,
  (args: ExchangeConformance.SeedArgs) => Effect.Effect<void, unknown>
>() {}

const symbol = Ids.Symbol.make("KXSIMA-26DEC31-E0-M0")

const exchangeLayer = (overrides: Partial<KalshiExchange.KalshiOptions> = {}) =>
  Layer.unwrapScoped(
    Effect.map(Sim, (sim) => Layer.unwrapEffect(Effect.map(optionsFor(sim, overrides), (o) => KalshiExchange.layer(o))))
  )

const seederLayer = Layer.scoped(
  Seeder,
  Effect.gen(function* () {
    const sim = yield* Sim
    const other = yield* connect(sim)
    return (args: ExchangeConformance.SeedArgs) =>
      other.exchange
        .createOrder(
          Order.OrderRequest.make({ symbol: args.symbol, side: args.side, price: args.price, amount: args.amount })
        )
        .pipe(Effect.asVoid)
  })
)

const seedLiquidity = (args: ExchangeConformance.SeedArgs) => Effect.flatMap(Seeder, (seed) => seed(args))

ExchangeConformance.suite(
  "kalshi on kalshi-sim",
  Layer.mergeAll(exchangeLayer(), seederLayer).pipe(Layer.provide(simLayer())) as Layer.Layer<
    Exchange.Exchange | Seeder,
    unknown
  >,
  // the fault cases run in the "(faults)" suite below, with faults injected into the simulator
  { symbol, seedLiquidity, select: (c) => !c.id.startsWith("faults.") }
)

const onSim = (f: (sim: KalshiSim.SimHandle) => Effect.Effect<unknown>) => Effect.flatMap(Sim, f)
const spoiled: Record<ExchangeConformance.SpoiledWrite, KalshiSim.WriteOp> = {
  create: "create",
  batchCreate: "batch_create",
  cancel: "cancel",
  batchCancel: "batch_cancel",
  amend: "amend"
}

// the auditor off (it would spend the injected faults on its reads); one re-admission after a 429
ExchangeConformance.suite(
  "kalshi on kalshi-sim (faults)",
  Layer.mergeAll(
    exchangeLayer({ reconcile: { enabled: false }, limiter: { retriesAfter429: 1 } }),
    seederLayer,
    Layer.effect(Sim, Sim)
  ).pipe(Layer.provide(simLayer())) as Layer.Layer<Exchange.Exchange | Seeder | Sim, unknown>,
  {
    symbol,
    seedLiquidity,
    select: (c) => c.id.startsWith("faults."),
    faults: {
      loseNextAnswer: onSim((s) => s.faults.loseResponse(1, "destroy")),
      spoilNextAnswer: (w) => onSim((s) => s.faults.malformedResponses(1, [spoiled[w]])),
      // the first send and its one re-admission
      rateLimitNextWrite: onSim((s) => s.faults.rateLimitStorm({ count: 2 })),
      dropSocket: onSim((s) => s.faults.dropSockets),
      skipSeq: onSim((s) => s.faults.skipSeq(1))
    }
  }
)
