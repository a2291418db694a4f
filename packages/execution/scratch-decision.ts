import { Decimal as D, Exchange, Strategy } from "@alpha-hunter/core"
import { RiskConfig, RiskEngine } from "@alpha-hunter/risk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ExecutionEngine from "./src/ExecutionEngine.js"
import { M, paper } from "./test/helpers.js"

const prog = Effect.gen(function* () {
  const ctx = yield* Layer.build(paper(2))
  const real = Context.get(ctx, Exchange.Exchange)
  const mode = process.argv[2] ?? "paper"
  let n = 0
  const exchange: Exchange.ExchangeService = mode === "null" ? { ...real, editOrder: (id, s, e) => Effect.map(real.fetchOrder(id, s), (o) => o) } : real
  const risk = yield* RiskEngine.make(RiskConfig.decodeSync({}))
  const engine = yield* ExecutionEngine.make({ venue: "paper", exchange, risk, journal: { appendAll: () => Effect.void }, strategyOf: (cid) => (cid?.startsWith("ah-mm-") ? "mm" : undefined) })
  const gateway = yield* engine.gateway("mm", "ah-mm-")
  const mk = (bid: string) => Strategy.quoteTarget({ symbol: M, bids: [Strategy.quote({ price: D.d(bid), amount: D.d("5") })], asks: [Strategy.quote({ price: D.d("0.60"), amount: D.d("5") })] })
  yield* gateway.setQuotes(mk("0.40"))
  const lat: number[] = []
  for (let i = 0; i < 20000; i++) {
    const t0 = performance.now()
    yield* gateway.setQuotes(mk(i % 2 === 0 ? "0.41" : "0.40"))
    lat.push(performance.now() - t0)
  }
  const tail = lat.slice(5000).sort((a, b) => a - b)
  console.log("%s: setQuotes requote p50 %s us p99 %s us", mode, (tail[tail.length >> 1] * 1000).toFixed(1), (tail[Math.floor(tail.length * 0.99)] * 1000).toFixed(1), n)
})
Effect.runPromise(Effect.scoped(prog)).catch((e) => { console.error(e); process.exit(1) })
