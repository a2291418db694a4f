/**
 * Kalshi error bodies → core `ExchangeError`s (REFERENCE §3.4, §7).
 *
 * Three body shapes occur on the wire (nested `{error:{code,message,details}}`, flat `{code,message,details}`,
 * bare `{msg}`), plus the 429 body `{"error":"too many requests"}`. Codes are matched lower-cased and by prefix
 * (some codes carry dynamic suffixes); FIX-style upper-case reasons map through the same table.
 */
import { ExchangeError as E } from "@alpha-hunter/core"

export interface VenueErrorBody {
  readonly code?: string | undefined
  readonly message?: string | undefined
  readonly details?: string | undefined
}

/** Extracts `{code, message, details}` from any of the body shapes; tolerant of garbage. */
export const parseErrorBody = (body: unknown): VenueErrorBody => {
  if (typeof body !== "object" || body === null) return typeof body === "string" ? { message: body } : {}
  const b = body as Record<string, unknown>
  const str = (u: unknown) => (typeof u === "string" ? u : undefined)
  if (typeof b.error === "object" && b.error !== null) {
    const e = b.error as Record<string, unknown>
    return { code: str(e.code), message: str(e.message), details: str(e.details) }
  }
  if (typeof b.error === "string") return { message: b.error }
  if (b.code !== undefined || b.message !== undefined) {
    return { code: str(b.code), message: str(b.message), details: str(b.details) }
  }
  if (typeof b.msg === "string") return { message: b.msg }
  return {}
}

export interface ErrorContext {
  readonly venue: string
  readonly symbol?: string | undefined
  readonly orderId?: string | undefined
  readonly clientOrderId?: string | undefined
  /** local-clock skew estimate (ms, local − venue) from the response `Date` header */
  readonly skewMs?: number | undefined
}

type Kind =
  | "auth"
  | "clock"
  | "permission"
  | "funds"
  | "invalid"
  | "postOnly"
  | "duplicate"
  | "notFound"
  | "badSymbol"
  | "closed"
  | "notSupported"
  | "rejected"
  | "rateLimited"
  | "unavailable"

/** The mapping table, by (lower-cased) venue code. Exported for tests and the README. */
export const codeTable: ReadonlyArray<readonly [code: string, kind: Kind]> = [
  ["authentication_error", "auth"],
  ["header_timestamp_expired", "clock"],
  ["signature_is_missing_from_headers", "auth"],
  ["incorrect_api_key_signature", "auth"],
  ["unauthorized", "auth"],
  ["forbidden", "permission"],
  ["this api key is restricted", "permission"],
  ["order_already_exists", "duplicate"],
  ["insufficient_balance", "funds"],
  ["available_balance_too_low", "funds"],
  ["invalid_price", "invalid"],
  ["invalid_parameters", "invalid"],
  ["invalid_order_size", "invalid"],
  ["invalid_amend_qty_for_order", "invalid"],
  ["cannot_update_filled_order", "invalid"],
  ["order_side_mismatch", "invalid"],
  ["order_ticker_mismatch", "invalid"],
  ["order_id_and_client_order_id_mismatch", "invalid"],
  ["post_only_cross", "postOnly"],
  ["invalid_order", "invalid"],
  ["conflicting_leg_outcomes", "invalid"],
  ["duplicated_legs", "invalid"],
  ["invalid_market_combination", "invalid"],
  ["reduce_only", "invalid"],
  ["expired", "invalid"],
  ["fok_insufficient_volume", "invalid"],
  ["self_cross_attempt", "invalid"],
  ["order_group_not_found", "invalid"],
  ["exceeded_order_group_risk_limit", "invalid"],
  ["exceeded_per_market_risk_limit", "invalid"],
  ["exceeded_sell_position_floor", "invalid"],
  ["market_not_found", "badSymbol"],
  ["market_closed", "closed"],
  ["market_already_closed", "closed"],
  ["market_inactive", "closed"],
  ["trading_paused", "closed"],
  ["exchange_paused", "closed"],
  ["not_found", "notFound"],
  ["deprecated_v1_order_endpoint", "notSupported"],
  ["bad_request", "rejected"],
  ["anchor_order_unavailable", "rejected"],
  ["too many requests", "rateLimited"],
  ["too_many_requests", "rateLimited"],
  ["exchange_unavailable", "unavailable"],
  ["internal_error", "unavailable"],
  ["internal_server_error", "unavailable"],
  ["service_unavailable", "unavailable"]
]

const kindOfCode = (code: string | undefined): Kind | undefined => {
  if (code === undefined || code === "") return undefined
  const c = code.toLowerCase()
  for (const [k, kind] of codeTable) if (c === k || c.startsWith(`${k}:`) || c.startsWith(k)) return kind
  return undefined
}

const kindOfStatus = (status: number): Kind => {
  if (status === 401) return "auth"
  if (status === 403) return "permission"
  if (status === 404) return "notFound"
  if (status === 409) return "duplicate"
  if (status === 410) return "notSupported"
  if (status === 429) return "rateLimited"
  if (status >= 500) return "unavailable"
  return "rejected"
}

/** Maps an HTTP error response (or a batch item's error, `status` undefined) to a core error. */
export const toExchangeError = (
  status: number | undefined,
  body: VenueErrorBody,
  ctx: ErrorContext
): E.ExchangeError => {
  const details = body.details ?? ""
  let kind = kindOfCode(body.code) ?? (status !== undefined ? kindOfStatus(status) : "rejected")
  if (kind === "invalid" && /post.?only/i.test(details)) kind = "postOnly"
  if (kind === "auth" && /timestamp/i.test(`${body.code ?? ""} ${body.message ?? ""}`)) kind = "clock"
  if (kind === "rateLimited" && status !== undefined && status !== 429 && body.code === undefined) kind = "rejected"
  if (status === 429) kind = "rateLimited"
  const code = body.code
  const text = [body.message ?? body.code ?? (status !== undefined ? `HTTP ${status}` : "error"), body.details]
    .filter((s) => s !== undefined && s !== "")
    .join(": ")
  const venue = ctx.venue
  const withCode = code !== undefined ? { code } : {}
  switch (kind) {
    case "auth":
      return new E.AuthenticationError({ venue, message: `authentication failed: ${text}`, ...withCode })
    case "clock": {
      const skew =
        ctx.skewMs !== undefined ? ` (local clock is ${Math.round(ctx.skewMs / 1000)} s off the venue's clock)` : ""
      return new E.AuthenticationError({
        venue,
        message: `request timestamp rejected as expired: the local clock is skewed${skew}; sync it with NTP`,
        code: code ?? "header_timestamp_expired"
      })
    }
    case "permission":
      return new E.PermissionDenied({ venue, message: text, ...withCode })
    case "funds":
      return new E.InsufficientFunds({ venue, message: text, ...withCode })
    case "invalid":
      return new E.InvalidOrder({ venue, message: text, ...withCode })
    case "postOnly":
      return new E.PostOnlyWouldCross({ venue, message: text, ...withCode })
    case "duplicate":
      return new E.DuplicateClientOrderId({
        venue,
        message: text,
        clientOrderId: ctx.clientOrderId ?? "",
        ...withCode
      })
    case "notFound":
      return ctx.orderId !== undefined || ctx.clientOrderId !== undefined || ctx.symbol === undefined
        ? new E.OrderNotFound({
            venue,
            message: text,
            ...withCode,
            ...(ctx.orderId !== undefined ? { orderId: ctx.orderId } : {}),
            ...(ctx.clientOrderId !== undefined ? { clientOrderId: ctx.clientOrderId } : {})
          })
        : new E.BadSymbol({ venue, message: text, symbol: ctx.symbol, ...withCode })
    case "badSymbol":
      return new E.BadSymbol({ venue, message: text, symbol: ctx.symbol ?? "", ...withCode })
    case "closed":
      return new E.MarketClosed({
        venue,
        message: text,
        ...withCode,
        ...(ctx.symbol !== undefined ? { symbol: ctx.symbol } : {})
      })
    case "notSupported":
      return new E.NotSupported({ venue, message: text, ...withCode })
    case "rateLimited":
      return new E.RateLimited({ venue, message: "rate limited (429)", ...withCode })
    case "unavailable":
      return new E.ExchangeUnavailable({
        venue,
        message: text,
        ...withCode,
        ...(status !== undefined ? { status } : {})
      })
    case "rejected":
      return new E.ExchangeRejected({ venue, message: text, ...withCode, ...(status !== undefined ? { status } : {}) })
  }
}
