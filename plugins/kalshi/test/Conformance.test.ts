/** The shared Exchange conformance suite against kalshi-sim over real loopback HTTP and WebSocket. */
import { type Exchange, Ids, Order } from "@alpha-hunter/core"
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

const exchangeLayer = Layer.unwrapScoped(
  Effect.map(Sim, (sim) => Layer.unwrapEffect(Effect.map(optionsFor(sim), (o) => KalshiExchange.layer(o))))
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

ExchangeConformance.suite(
  "kalshi on kalshi-sim",
  Layer.mergeAll(exchangeLayer, seederLayer).pipe(Layer.provide(simLayer())) as Layer.Layer<
    Exchange.Exchange | Seeder,
    unknown
  >,
  {
    symbol,
    seedLiquidity: (args) => Effect.flatMap(Seeder, (seed) => seed(args))
  }
)
