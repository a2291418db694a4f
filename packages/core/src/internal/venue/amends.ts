/**
 * The port's amends, one by one (venues that amend in place): checked against the market's grid and its
 * unknown writes, sent with the write deadline (a hang or a defect is `Unknown`, then looked up), and a
 * refusal as "not found" looked up before anything is declared.
 */

import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as E from "../../ExchangeError.js"
import type * as Ids from "../../Ids.js"
import type * as CoreOrder from "../../Order.js"
import * as Store from "../../OrderStore.js"
import * as Tracing from "../../Tracing.js"
import type * as WriteOutcome from "../../WriteOutcome.js"
import * as S from "./state.js"
import { lateOutcome, unknownError, type WriteDeps } from "./writes.js"

export const editOrder = (d: WriteDeps, id: Ids.OrderId, symbol: Ids.Symbol, edit: CoreOrder.OrderEdit) =>
  Effect.gen(function* () {
    const { st } = d
    const amend = st.primitives.amend
    if (amend === undefined) {
      return yield* new E.NotSupported({ venue: st.venue, message: "editOrder: this venue cannot amend orders" })
    }
    yield* S.checkWritable(st, symbol)
    const stored = Store.order(yield* Ref.get(st.store), id)
    const current =
      stored ??
      Option.getOrUndefined(yield* st.primitives.lookup({ _tag: "ByOrderId", id, symbol })) ??
      (yield* new E.OrderNotFound({ venue: st.venue, orderId: id, message: `order ${id} not found` }))
    const { grid } = yield* st.primitives.instrument(symbol)
    if (edit.price !== undefined && !grid.isOnGrid(edit.price)) {
      return yield* new E.InvalidOrder({
        venue: st.venue,
        message: `price: ${edit.price} is off the tick grid of ${symbol}`
      })
    }
    const mark = S.markUnknown(st, { operation: "amend", symbol, orderId: id })
    const o = yield* amend({ order: current, edit }).pipe(
      Tracing.deadline(Duration.toMillis(d.deadline), () => "late" as const),
      Effect.catchIf(
        (e): e is "late" => e === "late",
        (): Effect.Effect<WriteOutcome.WriteOutcome> => Effect.succeed(lateOutcome(st))
      ),
      Effect.catchAllDefect((x) =>
        Effect.succeed<WriteOutcome.WriteOutcome>({
          _tag: "Unknown",
          error: new E.UnknownOutcome({
            venue: st.venue,
            operation: "amend",
            message: `defect: ${String(x).slice(0, 200)}`
          })
        })
      )
    )
    switch (o._tag) {
      case "Done":
        yield* S.settle(st, `amend:${id}`)
        return yield* S.apply(st, o.order)
      case "Unknown":
        yield* mark
        return yield* unknownError(st, "amend", { symbol, orderId: id }, o.error.message)
      default:
        if (o.error._tag === "OrderNotFound") {
          const got = yield* Effect.option(st.primitives.lookup({ _tag: "ByOrderId", id, symbol }))
          if (Option.isSome(got) && Option.isSome(got.value)) yield* S.apply(st, got.value.value)
        }
        return yield* o.error
    }
  })
