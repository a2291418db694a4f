/** The engine over the paper venue, with faults a real venue produces injected at the port. */
import { Decimal as D, Exchange, ExchangeError, Ids, Strategy } from "@alpha-hunter/core"
import { PaperConfig, PaperVenue } from "@alpha-hunter/paper"
import { RiskConfig, RiskEngine } from "@alpha-hunter/risk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as ExecutionEngine from "../src/ExecutionEngine.js"
import * as ExecutionJournal from "../src/ExecutionJournal.js"

export const M = Ids.Symbol.make("PAPER-1")
export const q = (price: string, amount: string) => Strategy.Quote.make({ price: D.d(price), amount: D.d(amount) })
export const target = (bids: ReadonlyArray<Strategy.Quote>, asks: ReadonlyArray<Strategy.Quote>, symbol = M) =>
  Strategy.QuoteTarget.make({ symbol, bids, asks })

export const paper = (count = 2) =>
  PaperVenue.layer(
    PaperConfig.PaperConfig.make({
      generate: PaperConfig.GeneratedMarkets.make({ count, amountStep: D.d("0.01"), minAmount: D.d("0.01") })
    })
  )

/** What the next writes meet (each count is used up one call at a time). */
export interface Faults {
  /** applied by the venue, answer lost */
  readonly lose: number
  /** 429: refused before processing */
  readonly rateLimit: number
  /** connection refused: never sent */
  readonly refuse: number
  /** applied, then a 2xx body that does not decode */
  readonly malformed: number
  /** applied, then no answer ever */
  readonly hang: number
  /** sent 8 s late, then answered */
  readonly slow: number
  /** applied, then the driver dies (a bug) */
  readonly defect: number
}
export const noFaults: Faults = { lose: 0, rateLimit: 0, refuse: 0, malformed: 0, hang: 0, defect: 0, slow: 0 }

const venue = "paper"

export const setup = (
  options: {
    readonly riskInput?: unknown
    readonly writeDeadlineMs?: number
    readonly amend?: boolean
    readonly closedCapacity?: number
    readonly markets?: number
    /** the exchange declares itself in process (`ExchangeService.inProcess`) */
    readonly inProcess?: boolean
  } = {}
) =>
  Effect.gen(function* () {
    const ctx = yield* Layer.build(paper(options.markets))
    const real = Context.get(ctx, Exchange.Exchange)
    const calls = yield* Ref.make({ creates: 0, cancels: 0, edits: 0 })
    const batches = yield* Ref.make(0)
    const faults = yield* Ref.make(noFaults)
    const take = Ref.modify(faults, (f): readonly [keyof Faults | undefined, Faults] => {
      for (const k of Object.keys(f) as Array<keyof Faults>) if (f[k] > 0) return [k, { ...f, [k]: f[k] - 1 }]
      return [undefined, f]
    })
    /** Runs a write through the next fault (if any): before, after or instead of the venue's answer. */
    const faulty = <A extends ReadonlyArray<unknown>>(
      operation: "create" | "cancel",
      n: number,
      send: Effect.Effect<A, ExchangeError.ExchangeError>
    ) =>
      Effect.gen(function* () {
        const fault = yield* take
        const each = (e: ExchangeError.ExchangeError) => Array.from({ length: n }, () => Either.left(e))
        switch (fault) {
          case "rateLimit":
            return each(new ExchangeError.RateLimited({ venue, message: "429 after retries" }))
          case "refuse":
            return yield* new ExchangeError.ExchangeUnavailable({ venue, message: "ECONNREFUSED", notSent: true })
          case "lose":
            yield* send
            return each(new ExchangeError.UnknownOutcome({ venue, message: "response lost", operation }))
          case "malformed":
            yield* send
            return each(new ExchangeError.BadVenueData({ venue, message: "bad 2xx body", path: "orders.0.status" }))
          case "hang":
            yield* send
            return yield* Effect.never
          case "defect":
            yield* send
            return yield* Effect.dieMessage("driver bug")
          case "slow":
            // answers, 8 s late
            yield* Effect.sleep("8 seconds")
            return yield* send
          default:
            return yield* send
        }
      })
    const exchange: Exchange.ExchangeService = {
      ...real,
      features: { ...real.features, amend: options.amend ?? real.features.amend },
      ...(options.inProcess === true ? { inProcess: true } : {}),
      createOrders: (rs) =>
        Effect.zipRight(
          Effect.zipRight(
            Ref.update(calls, (c) => ({ ...c, creates: c.creates + rs.length })),
            Ref.update(batches, (n) => n + 1)
          ),
          faulty("create", rs.length, real.createOrders(rs))
        ) as ReturnType<Exchange.ExchangeService["createOrders"]>,
      cancelOrders: (ids, s) =>
        Effect.zipRight(
          Ref.update(calls, (c) => ({ ...c, cancels: c.cancels + ids.length })),
          faulty("cancel", ids.length, real.cancelOrders(ids, s))
        ) as ReturnType<Exchange.ExchangeService["cancelOrders"]>,
      editOrder: (id, s, e) =>
        Effect.zipRight(
          Ref.update(calls, (c) => ({ ...c, edits: c.edits + 1 })),
          real.editOrder(id, s, e)
        )
    }
    const risk = yield* RiskEngine.make(RiskConfig.decodeSync(options.riskInput ?? {}))
    const journal = yield* ExecutionJournal.memory
    const engine = yield* ExecutionEngine.make({
      venue,
      exchange,
      risk,
      journal,
      strategyOf: (cid) => (cid?.startsWith("ah-mm-") ? "mm" : cid?.startsWith("ah-b-") ? "b" : undefined),
      ...(options.writeDeadlineMs !== undefined ? { writeDeadline: options.writeDeadlineMs } : {}),
      ...(options.closedCapacity !== undefined ? { closedCapacity: options.closedCapacity } : {})
    })
    const gateway = yield* engine.gateway("mm", "ah-mm-")
    return { engine, gateway, calls, batches, faults, real, journal, risk }
  })

export const kinds = (entries: ReadonlyArray<ExecutionJournal.Entry>) => entries.map((e) => e.kind)
