/**
 * What a write's HTTP exchange proved, before it becomes the caller's answer:
 * - `Ok`: the venue answered and the answer decoded;
 * - `Err`: a certain failure — a refusal, a 429 past the re-admissions (`RateLimited`), or a request that
 *   never left (`ExchangeUnavailable` with `notSent`);
 * - `Unknown`: it may have executed — a timeout, a 5xx/408, a lost answer, a 2xx answer that does not
 *   decode, an item-level 5xx, or a defect on the way.
 */
import { ExchangeError as E } from "@alpha-hunter/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { toExchangeError } from "./errors.js"
import type { CallFailure } from "./rest.js"
import type * as wire from "./wire.js"

export type WriteResult<A> =
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "Err"; readonly error: E.ExchangeError }
  | { readonly _tag: "Unknown"; readonly detail: string }

export interface WriteContext {
  readonly symbol?: string
  readonly orderId?: string
  readonly clientOrderId?: string
}

/** A failed write's certain error, or `undefined` when its outcome is unknown. */
export const writeError = (venue: string, f: CallFailure, ctx: WriteContext): E.ExchangeError | undefined => {
  if (f._tag === "HttpFailure") {
    if (f.status >= 500 || f.status === 408) return undefined
    return toExchangeError(f.status, f.body, { venue, ...ctx, skewMs: f.skewMs })
  }
  if (!f.maybeSent) return new E.ExchangeUnavailable({ venue, message: `not sent: ${f.detail}`, notSent: true })
  return undefined
}

/** Runs a write's HTTP exchange into a `WriteResult`; never fails, never dies. */
export const classify = <A>(
  venue: string,
  eff: Effect.Effect<A, CallFailure>,
  ctx: WriteContext
): Effect.Effect<WriteResult<A>> =>
  eff.pipe(
    Effect.map((value): WriteResult<A> => ({ _tag: "Ok", value })),
    Effect.catchAll((f) => {
      const e = writeError(venue, f, ctx)
      return Effect.succeed<WriteResult<A>>(
        e === undefined
          ? { _tag: "Unknown", detail: f._tag === "HttpFailure" ? `HTTP ${f.status}` : f.detail }
          : { _tag: "Err", error: e }
      )
    }),
    Effect.catchAllDefect((d) =>
      Effect.succeed<WriteResult<A>>({ _tag: "Unknown", detail: `defect: ${String(d).slice(0, 200)}` })
    )
  )

/** One batch item, decoded on its own (`undefined` when it does not decode: that item's outcome is unknown). */
export const decodeItem = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (u: unknown): A | undefined => Either.getOrUndefined(decode(u))
}

/** A batch item's error as a venue error body, when it has one. */
export const itemError = (x: { readonly error?: wire.ItemError | null | undefined }) =>
  x.error === null || x.error === undefined
    ? undefined
    : { code: x.error.code ?? undefined, message: x.error.message ?? undefined, details: x.error.details ?? undefined }

/**
 * A batch item's result: its error (an item-level "unavailable" is unknown), else the `ok` projection, else
 * unknown (missing, undecodable or incomplete item).
 */
export const itemResult = <X extends { readonly error?: wire.ItemError | null | undefined }, A>(
  venue: string,
  x: X | undefined,
  present: boolean,
  ctx: WriteContext,
  ok: (x: X) => A | undefined
): WriteResult<A> => {
  if (x === undefined) {
    return { _tag: "Unknown", detail: present ? "undecodable batch item" : "no item in the batch response" }
  }
  const err = itemError(x)
  if (err !== undefined) {
    const e = toExchangeError(undefined, err, { venue, ...ctx })
    return e._tag === "ExchangeUnavailable"
      ? { _tag: "Unknown", detail: `item error ${err.code ?? "?"}` }
      : { _tag: "Err", error: e }
  }
  const value = ok(x)
  return value === undefined ? { _tag: "Unknown", detail: "incomplete batch item" } : { _tag: "Ok", value }
}

export const exitReason = (exit: Exit.Exit<unknown, unknown>): string =>
  Exit.isSuccess(exit)
    ? "ended"
    : Cause.isInterruptedOnly(exit.cause)
      ? "interrupted"
      : Cause.pretty(exit.cause).slice(0, 200)
