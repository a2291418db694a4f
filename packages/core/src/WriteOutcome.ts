/**
 * Certainty in the types: what one write (create, amend, cancel) did, as far as anyone can prove.
 * - `Done`: the venue answered with the order as it now stands;
 * - `Refused`: the venue answered no — certainly not executed;
 * - `NotSent`: the request certainly never executed (a 429, a refused connection);
 * - `Unknown`: it may have executed (a timeout, a lost or undecodable answer). The order must be looked up
 *   (by client order id) before anything else is written to that market; never re-sent blindly, never
 *   read as "failed".
 *
 * Order tracking switches on this, never on an error's `retryable`.
 */
import * as Either from "effect/Either"
import * as ExchangeError from "./ExchangeError.js"
import type { Order } from "./Order.js"

export interface Done {
  readonly _tag: "Done"
  readonly order: Order
}
export interface Refused {
  readonly _tag: "Refused"
  readonly error: ExchangeError.ExchangeError
}
export interface NotSent {
  readonly _tag: "NotSent"
  readonly error: ExchangeError.ExchangeError
}
export interface Unknown {
  readonly _tag: "Unknown"
  readonly error: ExchangeError.ExchangeError
}
export type WriteOutcome = Done | Refused | NotSent | Unknown

export const done = (order: Order): WriteOutcome => ({ _tag: "Done", order })

/**
 * The outcome of a failed write. A `DuplicateClientOrderId` answer means an order with our id already
 * exists on the venue (an earlier send of ours landed): its state is unknown until looked up.
 */
export const fromError = (error: ExchangeError.ExchangeError): WriteOutcome => {
  if (error._tag === "DuplicateClientOrderId") return { _tag: "Unknown", error }
  if (ExchangeError.isRefusal(error)) return { _tag: "Refused", error }
  if (!ExchangeError.mayHaveExecuted(error)) return { _tag: "NotSent", error }
  return { _tag: "Unknown", error }
}

export const fromEither = (r: Either.Either<Order, ExchangeError.ExchangeError>): WriteOutcome =>
  Either.isRight(r) ? done(r.right) : fromError(r.left)

/** True when the venue certainly did not execute the write (nothing to look up, nothing to block). */
export const certainlyNothing = (o: WriteOutcome): boolean => o._tag === "Refused" || o._tag === "NotSent"
