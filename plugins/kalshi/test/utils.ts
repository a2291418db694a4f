/** Test helpers: a real kalshi-sim on loopback and plugin layers pointed at it. */
import { Decimal as D, Exchange, type Ids, Order } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { KalshiClient } from "../src/KalshiClient.js"
import type * as KalshiConfig from "../src/KalshiConfig.js"
import * as KalshiExchange from "../src/KalshiExchange.js"

export class Sim extends Context.Tag("test/Sim")<Sim, KalshiSim.SimHandle>() {}

export const simLayer = (options: KalshiSim.Options = {}) => Layer.scoped(Sim, KalshiSim.make({ port: 0, ...options }))

/** Plugin options for a fresh sim account. */
export const optionsFor = (
  sim: KalshiSim.SimHandle,
  overrides: Partial<KalshiExchange.KalshiOptions> = {}
): Effect.Effect<KalshiExchange.KalshiOptions, KalshiSim.SimError> =>
  Effect.map(sim.generateKey(), (key) => ({
    restUrl: sim.restUrl,
    wsUrl: sim.wsUrl,
    apiKeyId: key.keyId,
    privateKey: key.privateKeyPem,
    markets: {},
    ...overrides
  }))

/** A Kalshi plugin instance (client + exchange) on the sim, living in the current scope. */
export const connect = (
  sim: KalshiSim.SimHandle,
  overrides: Partial<KalshiExchange.KalshiOptions> = {}
): Effect.Effect<
  { readonly client: KalshiClient["Type"]; readonly exchange: Exchange.ExchangeService },
  unknown,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const options = yield* optionsFor(sim, overrides)
    const ctx = yield* Layer.build(KalshiExchange.layer(options))
    return { client: Context.get(ctx, KalshiClient), exchange: Context.get(ctx, Exchange.Exchange) }
  })

export type TestConfig = Partial<KalshiConfig.KalshiConfigInput>

/** Runs a stream in the background of the scope, into a queue of its elements. */
export const collect = <A, E>(stream: Stream.Stream<A, E>) =>
  Effect.gen(function* () {
    const q = yield* Queue.unbounded<A>()
    yield* Effect.forkScoped(Stream.runForEach(stream, (a) => Queue.offer(q, a)))
    return q
  })

/** Order requests on one market: a buy of 1 at `price`, with overrides. */
export const buyOn =
  (symbol: Ids.Symbol) =>
  (price: string, fields: Partial<Order.OrderRequest> = {}) =>
    Order.OrderRequest.make({ symbol, side: "buy", price: D.d(price), amount: D.d("1"), ...fields })
