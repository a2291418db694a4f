/**
 * The error union of every venue, after ccxt's taxonomy:
 * - exchange errors: the venue understood the request and said no (not retryable as is);
 * - network errors: the request may not have reached the venue or the answer was lost (retryable);
 * - `BadVenueData`: the venue sent something we cannot decode;
 * - `UnknownOutcome`: a write whose result is not proven. It is never "failed": the order may exist.
 *   The caller must look it up (by client order id) before writing to that market again.
 *
 * Every error carries the venue, a human message and, where the venue gave one, its code.
 */
import * as Schema from "effect/Schema"

const common = {
  venue: Schema.String,
  message: Schema.String,
  /** the venue's own error code, e.g. "insufficient_balance" */
  code: Schema.optional(Schema.String)
}

// ---- exchange errors (the venue said no) -------------------------------------------------------

export class AuthenticationError extends Schema.TaggedError<AuthenticationError>()("AuthenticationError", common) {
  get retryable(): boolean {
    return false
  }
}
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>()("PermissionDenied", common) {
  get retryable(): boolean {
    return false
  }
}
export class InsufficientFunds extends Schema.TaggedError<InsufficientFunds>()("InsufficientFunds", common) {
  get retryable(): boolean {
    return false
  }
}
export class InvalidOrder extends Schema.TaggedError<InvalidOrder>()("InvalidOrder", common) {
  get retryable(): boolean {
    return false
  }
}
export class OrderNotFound extends Schema.TaggedError<OrderNotFound>()("OrderNotFound", {
  ...common,
  orderId: Schema.optional(Schema.String),
  clientOrderId: Schema.optional(Schema.String)
}) {
  get retryable(): boolean {
    return false
  }
}
export class PostOnlyWouldCross extends Schema.TaggedError<PostOnlyWouldCross>()("PostOnlyWouldCross", common) {
  get retryable(): boolean {
    return false
  }
}
export class DuplicateClientOrderId extends Schema.TaggedError<DuplicateClientOrderId>()("DuplicateClientOrderId", {
  ...common,
  clientOrderId: Schema.String
}) {
  get retryable(): boolean {
    return false
  }
}
export class BadSymbol extends Schema.TaggedError<BadSymbol>()("BadSymbol", { ...common, symbol: Schema.String }) {
  get retryable(): boolean {
    return false
  }
}
export class MarketClosed extends Schema.TaggedError<MarketClosed>()("MarketClosed", {
  ...common,
  symbol: Schema.optional(Schema.String)
}) {
  get retryable(): boolean {
    return false
  }
}
export class NotSupported extends Schema.TaggedError<NotSupported>()("NotSupported", common) {
  get retryable(): boolean {
    return false
  }
}
/** Any other refusal the venue documents. */
export class ExchangeRejected extends Schema.TaggedError<ExchangeRejected>()("ExchangeRejected", {
  ...common,
  status: Schema.optional(Schema.Int)
}) {
  get retryable(): boolean {
    return false
  }
}

// ---- network errors (retryable) ----------------------------------------------------------------

export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  ...common,
  retryAfterMs: Schema.optional(Schema.Int)
}) {
  get retryable(): boolean {
    return true
  }
}
export class RequestTimeout extends Schema.TaggedError<RequestTimeout>()("RequestTimeout", common) {
  get retryable(): boolean {
    return true
  }
}
export class ExchangeUnavailable extends Schema.TaggedError<ExchangeUnavailable>()("ExchangeUnavailable", {
  ...common,
  status: Schema.optional(Schema.Int),
  /**
   * true when the plugin proved the request never reached the venue (connection refused, DNS failure,
   * the request never left this process): a write that certainly did nothing.
   */
  notSent: Schema.optional(Schema.Boolean)
}) {
  get retryable(): boolean {
    return true
  }
}

// ---- data and outcome --------------------------------------------------------------------------

/** The venue sent a payload we could not decode; `path` names the offending field. */
export class BadVenueData extends Schema.TaggedError<BadVenueData>()("BadVenueData", {
  ...common,
  path: Schema.optional(Schema.String)
}) {
  get retryable(): boolean {
    return false
  }
}

export const WriteOperation = Schema.Literal("create", "amend", "cancel", "cancelAll")

/** A write whose result is not proven. The order may or may not exist: resolve by lookup, never re-send blindly. */
export class UnknownOutcome extends Schema.TaggedError<UnknownOutcome>()("UnknownOutcome", {
  ...common,
  operation: WriteOperation,
  symbol: Schema.optional(Schema.String),
  orderId: Schema.optional(Schema.String),
  clientOrderId: Schema.optional(Schema.String)
}) {
  get retryable(): boolean {
    return false
  }
}

/**
 * A write refused locally, before anything was sent, because an earlier write on the same market has an
 * unknown outcome that no lookup has resolved yet (per-market write blocking). Certainly not executed;
 * worth trying again once the earlier write is resolved.
 */
export class WriteBlocked extends Schema.TaggedError<WriteBlocked>()("WriteBlocked", {
  ...common,
  symbol: Schema.String,
  /** the unresolved write blocking the market, e.g. "create c-1" */
  blockedBy: Schema.String
}) {
  get retryable(): boolean {
    return true
  }
}

export type ExchangeRefusal =
  | AuthenticationError
  | PermissionDenied
  | InsufficientFunds
  | InvalidOrder
  | OrderNotFound
  | PostOnlyWouldCross
  | DuplicateClientOrderId
  | BadSymbol
  | MarketClosed
  | NotSupported
  | ExchangeRejected
export type NetworkError = RateLimited | RequestTimeout | ExchangeUnavailable
export type ExchangeError = ExchangeRefusal | NetworkError | BadVenueData | UnknownOutcome | WriteBlocked

export const ExchangeError = Schema.Union(
  AuthenticationError,
  PermissionDenied,
  InsufficientFunds,
  InvalidOrder,
  OrderNotFound,
  PostOnlyWouldCross,
  DuplicateClientOrderId,
  BadSymbol,
  MarketClosed,
  NotSupported,
  ExchangeRejected,
  RateLimited,
  RequestTimeout,
  ExchangeUnavailable,
  BadVenueData,
  UnknownOutcome,
  WriteBlocked
)

const networkTags = new Set(["RateLimited", "RequestTimeout", "ExchangeUnavailable"])
const refusalTags = new Set([
  "AuthenticationError",
  "PermissionDenied",
  "InsufficientFunds",
  "InvalidOrder",
  "OrderNotFound",
  "PostOnlyWouldCross",
  "DuplicateClientOrderId",
  "BadSymbol",
  "MarketClosed",
  "NotSupported",
  "ExchangeRejected"
])

/** Network errors are retryable; refusals, bad data and unknown outcomes are not (the last needs a lookup). */
export const isRetryable = (e: ExchangeError): boolean => e.retryable
export const isNetworkError = (e: ExchangeError): e is NetworkError => networkTags.has(e._tag)
export const isUnknownOutcome = (e: ExchangeError): e is UnknownOutcome => e._tag === "UnknownOutcome"
export const isRefusal = (e: ExchangeError): e is ExchangeRefusal => refusalTags.has(e._tag)

/**
 * Whether a failed **write** may still have been executed by the venue — the one question order tracking
 * asks, kept apart from `retryable` (which only says whether trying again makes sense):
 * - a refusal: the venue answered no → certainly not executed;
 * - a 429 (`RateLimited`): the venue refused before processing → certainly not executed;
 * - `ExchangeUnavailable` with `notSent`: the request never left → certainly not executed;
 * - `WriteBlocked`: refused locally before sending → certainly not executed;
 * - anything else (a timeout, a lost or undecodable response, a 5xx, `UnknownOutcome`) → maybe.
 */
export const mayHaveExecuted = (e: ExchangeError): boolean => {
  if (refusalTags.has(e._tag)) return false
  if (e._tag === "RateLimited" || e._tag === "WriteBlocked") return false
  if (e._tag === "ExchangeUnavailable") return e.notSent !== true
  return true
}
