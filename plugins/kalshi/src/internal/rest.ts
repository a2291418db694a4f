/**
 * The signed, rate-limited REST transport and Kalshi's endpoints (typed with the wire schemas).
 *
 * Every call: cost known up front → limiter grant in the call's lane → fresh signature → send with a timeout.
 * A 429 drains the bucket and pauses the lane (jittered backoff), then the call is re-admitted; a 429 proves
 * the venue did not act, so re-sending the same body (same client order id) is safe.
 * Transport failures are reported with whether the request may have reached the venue (`maybeSent`), so the
 * write path can tell "certainly not sent" from "outcome unknown".
 */
import { ExchangeError as E } from "@alpha-hunter/core"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Costs, KalshiLimiter, Lane } from "../KalshiLimiter.js"
import { type ErrorContext, parseErrorBody, toExchangeError, type VenueErrorBody } from "./errors.js"
import type { RawHttpService } from "./http.js"
import type { Signer } from "./sign.js"
import * as wire from "./wire.js"

export type Method = "GET" | "POST" | "DELETE" | "PUT"
export type Query = Record<string, string | number | boolean | ReadonlyArray<string> | undefined>

export interface Call {
  readonly method: Method
  /** path below the REST base, e.g. "/portfolio/events/orders" */
  readonly path: string
  readonly query?: Query
  readonly body?: unknown
  readonly lane: Lane
  /** items in a batch: the cost is per item */
  readonly items?: number
  /** re-admit after a 429 at most this many times (default 6) */
  readonly max429?: number
  /** the caller already holds the limiter grant for the first attempt */
  readonly preAcquired?: boolean
}

/** The venue answered with an error status. */
export class HttpFailure extends Data.TaggedError("HttpFailure")<{
  readonly status: number
  readonly body: VenueErrorBody
  readonly skewMs: number | undefined
}> {}

/** No usable answer. `maybeSent` is false only when the request certainly never reached the venue. */
export class TransportFailure extends Data.TaggedError("TransportFailure")<{
  readonly reason: "timeout" | "connect" | "io" | "decode" | "limiter"
  readonly maybeSent: boolean
  readonly detail: string
}> {}

export type CallFailure = HttpFailure | TransportFailure

export interface RawResponse {
  readonly status: number
  readonly body: unknown
}

export interface RestOptions {
  readonly venue: string
  readonly baseUrl: string
  readonly signer: Signer
  readonly limiter: KalshiLimiter
  readonly costs: () => Costs
  readonly timeoutMs: number
  /** sees every 429 (health: sustained rate limiting) */
  readonly on429?: (lane: Lane) => Effect.Effect<void>
  /** re-admissions after a 429 before the call fails with 429 (default 6); a `Call` may override it */
  readonly max429?: number
}

const notSentCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"])

export const makeTransport = (http: RawHttpService, o: RestOptions) => {
  const base = new URL(o.baseUrl)
  const basePath = base.pathname.replace(/\/+$/, "")
  const origin = `${base.protocol}//${base.host}`

  const urlOf = (fullPath: string, query: Query | undefined) => {
    const url = new URL(`${origin}${fullPath}`)
    if (query !== undefined) {
      for (const [k, v] of Object.entries(query)) {
        if (v === undefined) continue
        if (Array.isArray(v)) for (const x of v) url.searchParams.append(k, x)
        else url.searchParams.set(k, String(v))
      }
    }
    return url
  }

  const once = (c: Call): Effect.Effect<RawResponse, TransportFailure> =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const fullPath = `${basePath}${c.path}`
      const res = yield* http
        .execute({
          method: c.method,
          url: urlOf(fullPath, c.query),
          headers: o.signer.headers(c.method, fullPath, now) as unknown as Record<string, string>,
          ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : {}),
          timeoutMs: o.timeoutMs
        })
        .pipe(
          Effect.catchTag("RawHttpError", (e) => {
            if (e.phase === "timeout") {
              return Effect.fail(new TransportFailure({ reason: "timeout", maybeSent: true, detail: e.detail }))
            }
            // a connection that was never made sent nothing; anything later may have reached the venue
            const notSent = e.phase === "request" && e.code !== undefined && notSentCodes.has(e.code)
            return Effect.fail(
              new TransportFailure({
                reason: notSent ? "connect" : "io",
                maybeSent: !notSent,
                detail: `${e.detail}${e.code !== undefined && !e.detail.includes(e.code) ? ` ${e.code}` : ""}`
              })
            )
          })
        )
      let body: unknown
      if (res.text.length > 0) {
        try {
          body = JSON.parse(res.text)
        } catch {
          body = res.text
        }
      }
      if (res.status >= 400) {
        // estimate skew for timestamp errors
        const skew = res.date !== undefined ? now - Date.parse(res.date) : Number.NaN
        return { status: res.status, body, skew: Number.isNaN(skew) ? undefined : skew } as RawResponse & {
          skew?: number
        }
      }
      return { status: res.status, body }
    })

  /** Limiter grant, send, re-admit on 429 (bounded); error statuses become HttpFailure. */
  const send = (c: Call): Effect.Effect<RawResponse, CallFailure> =>
    Effect.gen(function* () {
      const unit = o.costs().of(c.method, `${c.path}`)
      const cost = unit * (c.items ?? 1)
      const max429 = c.max429 ?? o.max429 ?? 6
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0 || c.preAcquired !== true) {
          yield* o.limiter
            .acquire(c.lane, cost)
            .pipe(
              Effect.mapError(
                (e) => new TransportFailure({ reason: "limiter", maybeSent: false, detail: e.message }) as CallFailure
              )
            )
        }
        const r = (yield* once(c)) as RawResponse & { skew?: number }
        if (r.status === 429) {
          if (o.on429 !== undefined) yield* o.on429(c.lane)
          yield* o.limiter.onRateLimited(c.lane)
          if (attempt < max429) continue
          return yield* new HttpFailure({ status: 429, body: parseErrorBody(r.body), skewMs: undefined })
        }
        o.limiter.onSuccess(c.lane)
        if (r.status >= 400) {
          return yield* new HttpFailure({ status: r.status, body: parseErrorBody(r.body), skewMs: r.skew })
        }
        return r
      }
    })

  return { send, once }
}

export type Transport = ReturnType<typeof makeTransport>

/** Maps a read's failure to a core error (reads are safe: no unknown outcomes). */
export const readError = (f: CallFailure, ctx: ErrorContext): E.ExchangeError => {
  if (f._tag === "HttpFailure") return toExchangeError(f.status, f.body, { ...ctx, skewMs: f.skewMs })
  switch (f.reason) {
    case "timeout":
      return new E.RequestTimeout({ venue: ctx.venue, message: f.detail })
    case "decode":
      return new E.BadVenueData({ venue: ctx.venue, message: f.detail })
    default:
      return new E.ExchangeUnavailable({
        venue: ctx.venue,
        message: `transport: ${f.detail}`,
        ...(f.maybeSent ? {} : { notSent: true })
      })
  }
}

/** Decodes a success body, failing with BadVenueData naming the path. */
export const decodeBody =
  <A, I>(schema: Schema.Schema<A, I>, venue: string) =>
  (r: RawResponse): Effect.Effect<A, E.BadVenueData> =>
    Schema.decodeUnknown(schema)(r.body).pipe(
      Effect.mapError(
        (e) => new E.BadVenueData({ venue, message: `unexpected response shape: ${e.message.slice(0, 500)}` })
      )
    )

/**
 * Decodes a **write's** success body. A body that does not decode is not a defect and not a refusal: the
 * venue answered 2xx, so the write may well have been applied — the caller must treat it as an unknown outcome
 * (a `TransportFailure` with `maybeSent`), never die on it.
 */
export const decodeWriteBody =
  <A, I>(schema: Schema.Schema<A, I>, venue: string) =>
  (r: RawResponse): Effect.Effect<A, TransportFailure> =>
    decodeBody(
      schema,
      venue
    )(r).pipe(
      Effect.mapError(
        (e) =>
          new TransportFailure({ reason: "decode", maybeSent: true, detail: `undecodable 2xx answer: ${e.message}` })
      )
    )

/** Kalshi endpoints (paths relative to /trade-api/v2). */
export const makeEndpoints = (t: Transport, venue: string) => {
  const read = <A, I>(call: Omit<Call, "lane">, schema: Schema.Schema<A, I>, ctx: Partial<ErrorContext> = {}) =>
    t.send({ ...call, lane: "read" }).pipe(
      Effect.mapError((f) => readError(f, { venue, ...ctx })),
      Effect.flatMap(decodeBody(schema, venue))
    )

  /** Walks every page of a cursor-paginated list. */
  const pages = <A, I, K extends string>(
    path: string,
    query: Query,
    schema: Schema.Schema<A & { readonly cursor?: string | null | undefined }, I>,
    pick: (a: A) => ReadonlyArray<K extends never ? never : unknown>,
    maxPages = 1000
  ) =>
    Effect.gen(function* () {
      const out: Array<unknown> = []
      let cursor: string | undefined
      for (let i = 0; i < maxPages; i++) {
        const page = yield* read(
          { method: "GET", path, query: { ...query, ...(cursor ? { cursor } : {}) } },
          schema as Schema.Schema<A & { readonly cursor?: string | null | undefined }, I>
        )
        out.push(...pick(page))
        const next = page.cursor ?? ""
        if (next === "" || next === cursor) break
        cursor = next
      }
      return out
    })

  return {
    read,
    getLimits: read({ method: "GET", path: "/account/limits" }, wire.Limits),
    getEndpointCosts: read({ method: "GET", path: "/account/endpoint_costs" }, wire.EndpointCosts),
    getMarkets: (query: Query) =>
      pages("/markets", { limit: 1000, ...query }, wire.MarketsPage, (p) => p.markets) as Effect.Effect<
        ReadonlyArray<wire.Market>,
        E.ExchangeError
      >,
    getMarket: (ticker: string) =>
      read({ method: "GET", path: `/markets/${encodeURIComponent(ticker)}` }, wire.MarketEnvelope, {
        symbol: ticker
      }).pipe(Effect.map((r) => r.market)),
    getEvents: (query: Query) =>
      pages("/events", { limit: 200, ...query }, wire.EventsPage, (p) => p.events) as Effect.Effect<
        ReadonlyArray<wire.Event>,
        E.ExchangeError
      >,
    getEvent: (ticker: string) =>
      read({ method: "GET", path: `/events/${encodeURIComponent(ticker)}` }, wire.EventEnvelope).pipe(
        Effect.map((r) => r.event)
      ),
    getSeries: (ticker: string) =>
      read({ method: "GET", path: `/series/${encodeURIComponent(ticker)}` }, wire.SeriesEnvelope).pipe(
        Effect.map((r) => r.series)
      ),
    /** a series' scheduled fee changes still ahead (`GET /series/fee_changes`) */
    getSeriesFeeChanges: (seriesTicker: string) =>
      read(
        { method: "GET", path: "/series/fee_changes", query: { series_ticker: seriesTicker } },
        wire.SeriesFeeChanges
      ).pipe(Effect.map((r) => r.series_fee_change_arr ?? [])),
    /** every page of `GET /incentive_programs` (its cursor field is `next_cursor`) */
    getIncentivePrograms: (query: Query, maxPages = 100) =>
      Effect.gen(function* () {
        const out: Array<wire.IncentiveProgram> = []
        let cursor: string | undefined
        for (let i = 0; i < maxPages; i++) {
          const page = yield* read(
            {
              method: "GET",
              path: "/incentive_programs",
              query: { limit: 1000, ...query, ...(cursor ? { cursor } : {}) }
            },
            wire.IncentiveProgramsPage
          )
          out.push(...(page.incentive_programs ?? []))
          const next = page.next_cursor ?? ""
          if (next === "" || next === cursor) break
          cursor = next
        }
        return out as ReadonlyArray<wire.IncentiveProgram>
      }),
    getOrderbook: (ticker: string, depth?: number) =>
      read(
        {
          method: "GET",
          path: `/markets/${encodeURIComponent(ticker)}/orderbook`,
          ...(depth !== undefined ? { query: { depth } } : {})
        },
        wire.OrderbookEnvelope,
        { symbol: ticker }
      ),
    getOrder: (orderId: string) =>
      read({ method: "GET", path: `/portfolio/orders/${encodeURIComponent(orderId)}` }, wire.OrderEnvelope, {
        orderId
      }).pipe(Effect.map((r) => r.order)),
    getOrders: (query: Query, maxPages?: number) =>
      pages(
        "/portfolio/orders",
        { limit: 1000, ...query },
        wire.OrdersPage,
        (p) => p.orders,
        maxPages
      ) as Effect.Effect<ReadonlyArray<wire.Order>, E.ExchangeError>,
    getFills: (query: Query, maxPages?: number) =>
      pages("/portfolio/fills", { limit: 1000, ...query }, wire.FillsPage, (p) => p.fills, maxPages) as Effect.Effect<
        ReadonlyArray<wire.Fill>,
        E.ExchangeError
      >,
    getBalance: (query: Query) => read({ method: "GET", path: "/portfolio/balance", query }, wire.Balance),
    getPositions: (query: Query) =>
      pages(
        "/portfolio/positions",
        { limit: 1000, ...query },
        wire.PositionsPage,
        (p) => p.market_positions ?? []
      ) as Effect.Effect<ReadonlyArray<typeof wire.MarketPosition.Type>, E.ExchangeError>
  }
}

export type Endpoints = ReturnType<typeof makeEndpoints>
