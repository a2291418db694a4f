/** REST surface under `/trade-api/v2` on plain node:http (no per-request Effect overhead). */

import type { IncomingMessage, ServerResponse } from "node:http"
import { formatCount, parseCount, parsePrice } from "../FixedPoint.js"
import { type AuthWindow, errorBody as authErrorBody, type RegisteredKey, verify } from "./auth.js"
import { DEFAULT_COST, endpointCosts, limitsFor, makeBucket, type Tier, tryTake } from "./buckets.js"
import * as D from "./decode.js"
import { type FeeChange, feeChangeWire } from "./drift.js"
import type { CreateInput, Engine } from "./engine.js"
import { type Faults, take, type WriteOp } from "./faults.js"
import type { Program } from "./incentives.js"
import { statusOf } from "./incentives.js"
import type { SimClock } from "./scheduler.js"
import {
  type ApiError,
  apiError,
  type Market,
  type Order,
  type Side,
  type Stp,
  type TimeInForce,
  type User
} from "./types.js"
import * as W from "./wire.js"

export const PREFIX = "/trade-api/v2"

export interface Reply {
  readonly status: number
  readonly body?: unknown
  /** raw text body (already serialised) */
  readonly text?: string
}

export interface RestContext {
  readonly engine: Engine
  readonly faults: Faults
  readonly keys: Map<string, RegisteredKey>
  readonly clock: SimClock
  readonly authWindow: AuthWindow
  readonly settings: { tier: Tier; rateLimit: boolean }
  /** incentive programs served by `GET /incentive_programs` */
  readonly programs: () => ReadonlyArray<Program>
  /** `GET /series/fee_changes`: every fee change applied so far */
  readonly feeChanges?: () => ReadonlyArray<FeeChange>
  /** `/_sim/*` control endpoint */
  readonly control: (method: string, path: string, query: URLSearchParams, raw: string) => Reply
  /** longest request target (path + query) served; longer is refused with 414, like a real front end */
  readonly maxUrlLength?: number
  /** sees every REST request answered (method, path without query, status) */
  readonly onRequest?: (method: string, path: string, status: number) => void
}

/** Default request-target limit: what common front ends accept (nginx's 8k header buffer, Apache's 8190). */
export const DEFAULT_MAX_URL_LENGTH = 8_190

interface Req {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly params: Record<string, string>
  readonly raw: string
  readonly user: User
}

type Handler = (r: Req) => Reply

interface Route {
  readonly method: string
  readonly segs: ReadonlyArray<string>
  readonly template: string
  readonly auth: boolean
  readonly bucket: "read" | "write"
  /** fixed cost or per-item cost (batches) */
  readonly cost: number
  readonly perItem: boolean
  readonly mutating: boolean
  /** the write this route is, for `malformed_responses` */
  readonly writeOp?: WriteOp | undefined
  readonly handler: Handler
  readonly schema?: D.StructSchema
}

const ok = (body: unknown, status = 200): Reply => ({ status, body })
const fail = (e: ApiError): Reply => ({ status: e.status, body: W.nestedError(e) })
const bare = (op: string, msg: string): Reply => ({
  status: 400,
  body: { msg: `Parameter validation failed for ${op}: ${msg}` }
})
const flat = (details: string): Reply => ({ status: 400, body: W.flatError(details) })
const isErr = (x: unknown): x is ApiError => typeof x === "object" && x !== null && "code" in x && "status" in x

// ------------------------------------------------------------------ query helpers

const encodeCursor = (n: number): string => Buffer.from(`sim:${n}`).toString("base64url")
const decodeCursor = (c: string | null): number => {
  if (c === null || c === "") return 0
  const m = /^sim:(\d+)$/.exec(Buffer.from(c, "base64url").toString())
  return m === null ? 0 : Number(m[1])
}

const limitOf = (q: URLSearchParams, op: string, def: number, max: number): number | Reply => {
  const s = q.get("limit")
  if (s === null || s === "") return def
  if (!/^-?\d+$/.test(s)) return bare(op, `query parameter 'limit': value '${s}' is not an integer`)
  const n = Number(s)
  if (n < 1 || n > max) return bare(op, `query parameter 'limit': number must be between 1 and ${max}`)
  return n
}

const intParam = (q: URLSearchParams, name: string, op: string): number | undefined | Reply => {
  const s = q.get(name)
  if (s === null || s === "") return undefined
  if (!/^-?\d+$/.test(s)) return bare(op, `query parameter '${name}': value '${s}' is not an integer`)
  return Number(s)
}

const isReply = (x: unknown): x is Reply =>
  typeof x === "object" && x !== null && typeof (x as { status?: unknown }).status === "number" && !("code" in x)

const paginate = <A>(items: ReadonlyArray<A>, q: URLSearchParams, limit: number) => {
  const start = decodeCursor(q.get("cursor"))
  const page = items.slice(start, start + limit)
  const next = start + limit < items.length ? encodeCursor(start + limit) : ""
  return { page, cursor: next }
}

// ------------------------------------------------------------------ order input validation

const pascal = (s: string) => s.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())
const invalidParam = (struct: string, field: string, tag: string): ApiError =>
  apiError(
    400,
    "invalid_parameters",
    "invalid parameters",
    `Key: '${struct}.${pascal(field)}' Error:Field validation for '${pascal(field)}' failed on the '${tag}' tag`
  )

const TIFS: ReadonlyArray<TimeInForce> = ["fill_or_kill", "good_till_canceled", "immediate_or_cancel"]
const STPS: ReadonlyArray<Stp> = ["taker_at_cross", "maker"]

const exchangeIndexOk = (v: number | undefined) => v === undefined || v === 0 || v === -1

export const toCreateInput = (o: Record<string, unknown>): ApiError | CreateInput => {
  const S = "CreateOrderV2Request"
  const ticker = D.str(o, "ticker")
  if (ticker === undefined || ticker === "") return invalidParam(S, "ticker", "required")
  const side = D.str(o, "side")
  if (side === undefined || side === "") return invalidParam(S, "side", "required")
  if (side !== "bid" && side !== "ask") return invalidParam(S, "side", "oneof")
  const countS = D.str(o, "count")
  if (countS === undefined || countS === "") return invalidParam(S, "count", "required")
  const priceS = D.str(o, "price")
  if (priceS === undefined || priceS === "") return invalidParam(S, "price", "required")
  const tif = D.str(o, "time_in_force")
  if (tif === undefined || tif === "") return invalidParam(S, "time_in_force", "required")
  if (!TIFS.includes(tif as TimeInForce)) return invalidParam(S, "time_in_force", "oneof")
  const stp = D.str(o, "self_trade_prevention_type")
  if (stp === undefined || stp === "") return invalidParam(S, "self_trade_prevention_type", "required")
  if (!STPS.includes(stp as Stp)) return invalidParam(S, "self_trade_prevention_type", "oneof")
  const price = parsePrice(priceS)
  if (price === undefined || price <= 0 || price >= 10_000) return apiError(400, "invalid_price", "invalid price")
  const count = parseCount(countS)
  if (count === undefined || count <= 0) return apiError(400, "invalid_order_size", "invalid order size")
  const sub = D.num(o, "subaccount") ?? 0
  if (sub < 0 || sub > 63) return invalidParam(S, "subaccount", "max")
  if (!exchangeIndexOk(D.num(o, "exchange_index"))) return invalidParam(S, "exchange_index", "oneof")
  const exp = D.num(o, "expiration_time")
  return {
    ticker,
    side,
    count,
    price,
    tif: tif as TimeInForce,
    stp: stp as Stp,
    clientOrderId: D.str(o, "client_order_id"),
    expirationSec: exp === undefined || exp === 0 ? undefined : exp,
    postOnly: D.bool(o, "post_only"),
    reduceOnly: D.bool(o, "reduce_only"),
    cancelOnPause: D.bool(o, "cancel_order_on_pause"),
    orderGroupId: D.str(o, "order_group_id"),
    subaccount: sub
  }
}

// ------------------------------------------------------------------ router

export const makeRest = (ctx: RestContext) => {
  const { engine, faults, clock } = ctx
  const routes: Array<Route> = []
  const add = (
    method: string,
    template: string,
    opts: {
      auth: boolean
      bucket?: "read" | "write"
      cost?: number
      perItem?: boolean
      mutating?: boolean
      writeOp?: WriteOp
    },
    handler: Handler
  ) => {
    routes.push({
      method,
      template,
      segs: template.split("/").filter((s) => s !== ""),
      auth: opts.auth,
      bucket: opts.bucket ?? (method === "GET" ? "read" : "write"),
      cost: opts.cost ?? DEFAULT_COST,
      perItem: opts.perItem ?? false,
      mutating: opts.mutating ?? false,
      writeOp: opts.writeOp,
      handler
    })
  }
  const marketOr404 = (t: string): Market | Reply => {
    const m = engine.markets.get(t)
    return m === undefined ? fail(apiError(404, "not_found", "not found")) : m
  }

  // ---------------- exchange
  add("GET", "/exchange/status", { auth: false }, () =>
    ok({
      exchange_active: engine.exchange.exchangeActive,
      trading_active: engine.exchange.tradingActive,
      intra_exchange_transfers_active: engine.exchange.exchangeActive,
      exchange_estimated_resume_time: null,
      exchange_index_statuses: [
        {
          exchange_index: 0,
          description: "Default",
          exchange_active: engine.exchange.exchangeActive,
          trading_active: engine.exchange.tradingActive,
          intra_exchange_transfers_active: engine.exchange.exchangeActive
        }
      ]
    })
  )
  add("GET", "/exchange/schedule", { auth: false }, () => {
    const day = [{ open_time: "00:00", close_time: "23:59" }]
    const thursday = [
      { open_time: "00:00", close_time: "03:00" },
      { open_time: "05:00", close_time: "23:59" }
    ]
    return ok({
      schedule: {
        standard_hours: [
          {
            start_time: "2026-01-01T00:00:00Z",
            end_time: "2100-01-01T00:00:00Z",
            monday: day,
            tuesday: day,
            wednesday: day,
            thursday,
            friday: day,
            saturday: day,
            sunday: day
          }
        ],
        maintenance_windows: []
      }
    })
  })
  add("GET", "/exchange/user_data_timestamp", { auth: false }, () => ok({ as_of_time: W.iso(clock.now()) }))

  // ---------------- markets
  const STATUS_FILTER: Record<string, ReadonlyArray<string>> = {
    unopened: ["initialized"],
    open: ["active", "inactive"],
    paused: ["inactive"],
    closed: ["closed", "determined", "disputed", "amended"],
    settled: ["finalized"]
  }
  add("GET", "/markets", { auth: false }, (r) => {
    const limit = limitOf(r.query, "GetMarkets", 100, 1000)
    if (isReply(limit)) return limit
    const status = r.query.get("status")
    if (status !== null && status !== "" && STATUS_FILTER[status] === undefined) {
      return bare("GetMarkets", `query parameter 'status': value '${status}' is not one of the allowed values`)
    }
    const ev = r.query.get("event_ticker")
    const series = r.query.get("series_ticker")
    const tickers = r.query.get("tickers")
    const tickerSet = tickers === null || tickers === "" ? undefined : new Set(tickers.split(","))
    const minClose = intParam(r.query, "min_close_ts", "GetMarkets")
    if (isReply(minClose)) return minClose
    const maxClose = intParam(r.query, "max_close_ts", "GetMarkets")
    if (isReply(maxClose)) return maxClose
    const all = [...engine.markets.values()].filter(
      (m) =>
        (ev === null || ev === "" || m.eventTicker === ev) &&
        (series === null || series === "" || m.seriesTicker === series) &&
        (tickerSet === undefined || tickerSet.has(m.ticker)) &&
        (status === null || status === "" || STATUS_FILTER[status]!.includes(m.status)) &&
        (minClose === undefined || m.closeMs / 1000 >= minClose) &&
        (maxClose === undefined || m.closeMs / 1000 <= maxClose)
    )
    const { page, cursor } = paginate(all, r.query, limit)
    return ok({ markets: page.map(W.market), cursor })
  })
  add("GET", "/markets/trades", { auth: false }, (r) => {
    const limit = limitOf(r.query, "GetTrades", 100, 1000)
    if (isReply(limit)) return limit
    const t = r.query.get("ticker")
    const src =
      t === null || t === "" ? [...engine.markets.values()] : [engine.markets.get(t)].filter((m) => m !== undefined)
    const all = src.flatMap((m) => m.trades).sort((a, b) => b.ts - a.ts)
    const { page, cursor } = paginate(all, r.query, limit)
    return ok({ trades: page.map(W.trade), cursor })
  })
  add("GET", "/markets/orderbooks", { auth: false }, (r) => {
    const tickers = r.query
      .getAll("tickers")
      .flatMap((t) => t.split(","))
      .filter((t) => t !== "")
    if (tickers.length < 1 || tickers.length > 100) {
      return bare("GetMarketOrderbooks", "query parameter 'tickers': must contain between 1 and 100 items")
    }
    const out = []
    for (const t of tickers) {
      const m = engine.markets.get(t)
      if (m !== undefined) out.push({ ticker: t, orderbook_fp: W.orderbookFp(m, 0) })
    }
    return ok({ orderbooks: out })
  })
  add("GET", "/markets/:ticker", { auth: false }, (r) => {
    const m = marketOr404(r.params.ticker!)
    return isReply(m) ? m : ok({ market: W.market(m) })
  })
  add("GET", "/markets/:ticker/orderbook", { auth: false }, (r) => {
    const depth = intParam(r.query, "depth", "GetMarketOrderbook")
    if (isReply(depth)) return depth
    if (depth !== undefined && (depth < 0 || depth > 100)) {
      return bare("GetMarketOrderbook", "query parameter 'depth': number must be between 0 and 100")
    }
    const m = marketOr404(r.params.ticker!)
    return isReply(m) ? m : ok({ orderbook_fp: W.orderbookFp(m, depth ?? 0) })
  })
  add("GET", "/series/fee_changes", { auth: false }, (r) => {
    const series = r.query.get("series_ticker")
    const all = (ctx.feeChanges?.() ?? []).filter((c) => series === null || series === "" || c.seriesTicker === series)
    // without show_historical only changes still ahead are listed
    const now = clock.now()
    const shown = r.query.get("show_historical") === "true" ? all : all.filter((c) => c.scheduledMs > now)
    return ok({ series_fee_change_arr: shown.map(feeChangeWire) })
  })
  add("GET", "/series/:series", { auth: false }, (r) => {
    const m = [...engine.markets.values()].find((x) => x.seriesTicker === r.params.series)
    if (m === undefined) return fail(apiError(404, "not_found", "not found"))
    return ok({
      series: {
        ticker: m.seriesTicker,
        frequency: "custom",
        title: `Simulated series ${m.seriesTicker}`,
        category: "Simulation",
        tags: [],
        settlement_sources: [],
        contract_url: "",
        contract_terms_url: "",
        fee_type: m.feeType,
        fee_multiplier: m.feeMultiplierBp / 10_000,
        additional_prohibitions: [],
        exchange_index: 0
      }
    })
  })
  // ---------------- incentive programs (REFERENCE §11.1): public, paged with `next_cursor`
  const PROGRAM_STATUSES = ["all", "active", "upcoming", "closed", "paid_out"]
  const PROGRAM_TYPES = ["all", "liquidity", "volume", "margin_maker_volume", "margin_taker_volume"]
  add("GET", "/incentive_programs", { auth: false }, (r) => {
    const limit = limitOf(r.query, "GetIncentivePrograms", 100, 10_000)
    if (isReply(limit)) return limit
    const status = r.query.get("status") ?? "all"
    if (!PROGRAM_STATUSES.includes(status)) {
      return bare(
        "GetIncentivePrograms",
        `query parameter 'status': value '${status}' is not one of the allowed values`
      )
    }
    const type = r.query.get("type") ?? "all"
    if (!PROGRAM_TYPES.includes(type)) {
      return bare("GetIncentivePrograms", `query parameter 'type': value '${type}' is not one of the allowed values`)
    }
    const desc = r.query.get("incentive_description")
    const now = clock.now()
    const all = ctx
      .programs()
      .filter(
        (p) =>
          (status === "all" || statusOf(p, now) === status) &&
          (type === "all" || p.type === type) &&
          (desc === null || desc === "" || p.description === desc)
      )
    const { page, cursor } = paginate(all, r.query, limit)
    return ok({ incentive_programs: page.map(W.incentiveProgram), next_cursor: cursor })
  })
  const eventWire = (ticker: string, ms: ReadonlyArray<Market>, nested: boolean) => ({
    event_ticker: ticker,
    series_ticker: ms[0]!.seriesTicker,
    title: `Simulated event ${ticker}`,
    sub_title: "",
    collateral_return_type: "",
    mutually_exclusive: false,
    exchange_index: 0,
    ...(nested ? { markets: ms.map(W.market) } : {})
  })
  // REFERENCE §4.5: limit ≤ 200, cursor, status (an event matches when any of its markets does),
  // series_ticker, tickers (comma list), with_nested_markets
  add("GET", "/events", { auth: false }, (r) => {
    const limit = limitOf(r.query, "GetEvents", 200, 200)
    if (isReply(limit)) return limit
    const status = r.query.get("status")
    if (status !== null && status !== "" && STATUS_FILTER[status] === undefined) {
      return bare("GetEvents", `query parameter 'status': value '${status}' is not one of the allowed values`)
    }
    const series = r.query.get("series_ticker")
    const tickers = r.query.get("tickers")
    const wanted = tickers === null || tickers === "" ? undefined : new Set(tickers.split(","))
    const byEvent = new Map<string, Array<Market>>()
    for (const m of engine.markets.values()) {
      if (wanted !== undefined && !wanted.has(m.eventTicker)) continue
      if (series !== null && series !== "" && m.seriesTicker !== series) continue
      byEvent.set(m.eventTicker, [...(byEvent.get(m.eventTicker) ?? []), m])
    }
    const matching = [...byEvent].filter(
      ([, ms]) => status === null || status === "" || ms.some((m) => STATUS_FILTER[status]!.includes(m.status))
    )
    const { page, cursor } = paginate(matching, r.query, limit)
    const nested = r.query.get("with_nested_markets") === "true"
    return ok({ events: page.map(([t, ms]) => eventWire(t, ms, nested)), cursor })
  })
  add("GET", "/events/:event", { auth: false }, (r) => {
    const ms = [...engine.markets.values()].filter((x) => x.eventTicker === r.params.event)
    if (ms.length === 0) return fail(apiError(404, "not_found", "not found"))
    const nested = r.query.get("with_nested_markets") === "true"
    const event = eventWire(r.params.event!, ms, nested)
    return ok(nested ? { event } : { event, markets: ms.map(W.market) })
  })

  // ---------------- account
  add("GET", "/account/limits", { auth: true }, () => {
    const l = limitsFor(ctx.settings.tier)
    return ok({ usage_tier: ctx.settings.tier, read: l.read, write: l.write, grants: [] })
  })
  add("GET", "/account/endpoint_costs", { auth: true }, () =>
    ok({ default_cost: DEFAULT_COST, endpoint_costs: endpointCosts })
  )

  // ---------------- portfolio reads
  add("GET", "/portfolio/balance", { auth: true }, (r) => ok(W.balance(r.user)))
  add("GET", "/portfolio/positions", { auth: true }, (r) => {
    const limit = limitOf(r.query, "GetPositions", 100, 1000)
    if (isReply(limit)) return limit
    const t = r.query.get("ticker")
    const ev = r.query.get("event_ticker")
    const cf = r.query.get("count_filter")
    const all = [...r.user.positions.values()].filter((p) => {
      const m = engine.markets.get(p.ticker)
      if (t !== null && t !== "" && p.ticker !== t) return false
      if (ev !== null && ev !== "" && m?.eventTicker !== ev) return false
      if (cf === "position") return p.position !== 0
      if (cf === "total_traded") return p.totalTraded !== 0
      return p.position !== 0 || p.totalTraded !== 0
    })
    const { page, cursor } = paginate(all, r.query, limit)
    return ok({ market_positions: page.map(W.position), event_positions: W.eventPositions(engine, r.user), cursor })
  })
  const ORDER_STATUSES = ["resting", "canceled", "executed"]
  add("GET", "/portfolio/orders", { auth: true }, (r) => {
    const limit = limitOf(r.query, "GetOrders", 100, 1000)
    if (isReply(limit)) return limit
    const status = r.query.get("status")
    if (status !== null && status !== "" && !ORDER_STATUSES.includes(status)) {
      return bare("GetOrders", `query parameter 'status': value '${status}' is not one of the allowed values`)
    }
    const t = r.query.get("ticker")
    const evs = r.query.get("event_ticker")
    const evSet = evs === null || evs === "" ? undefined : new Set(evs.split(","))
    const minTs = intParam(r.query, "min_ts", "GetOrders")
    if (isReply(minTs)) return minTs
    const maxTs = intParam(r.query, "max_ts", "GetOrders")
    if (isReply(maxTs)) return maxTs
    const sub = intParam(r.query, "subaccount", "GetOrders")
    if (isReply(sub)) return sub
    const all: Array<Order> = []
    engine.prepareReads(r.user.orders)
    for (let i = r.user.orders.length - 1; i >= 0; i--) {
      const o = r.user.orders[i]!
      if (engine.hiddenFromReads(o)) continue
      const st = (o.frozen ?? o).status
      if (status !== null && status !== "" && st !== status) continue
      if (t !== null && t !== "" && o.ticker !== t) continue
      if (evSet !== undefined && !evSet.has(engine.markets.get(o.ticker)?.eventTicker ?? "")) continue
      if (minTs !== undefined && o.createdMs / 1000 < minTs) continue
      if (maxTs !== undefined && o.createdMs / 1000 > maxTs) continue
      if (sub !== undefined && o.subaccount !== sub) continue
      all.push(o)
    }
    const { page, cursor } = paginate(all, r.query, limit)
    return ok({ orders: page.map(W.order), cursor })
  })
  const ownOrder = (r: Req): Order | Reply => {
    const o = engine.orders.get(r.params.id!)
    if (o === undefined || o.userId !== r.user.id || engine.hiddenFromReads(o)) {
      return fail(apiError(404, "not_found", "not found"))
    }
    engine.prepareReads([o])
    return o
  }
  add("GET", "/portfolio/orders/:id", { auth: true, cost: 2 }, (r) => {
    const o = ownOrder(r)
    return isReply(o) ? o : ok({ order: W.order(o) })
  })
  add("GET", "/portfolio/orders/:id/queue_position", { auth: true }, (r) => {
    const o = ownOrder(r)
    if (isReply(o)) return o
    const q = o.status === "resting" ? engine.queuePosition(o) : undefined
    return q === undefined ? fail(apiError(404, "not_found", "not found")) : ok({ queue_position_fp: formatCount(q) })
  })
  add("GET", "/portfolio/fills", { auth: true }, (r) => {
    const limit = limitOf(r.query, "GetFills", 100, 1000)
    if (isReply(limit)) return limit
    const t = r.query.get("ticker")
    const oid = r.query.get("order_id")
    const minTs = intParam(r.query, "min_ts", "GetFills")
    if (isReply(minTs)) return minTs
    const maxTs = intParam(r.query, "max_ts", "GetFills")
    if (isReply(maxTs)) return maxTs
    const all = []
    for (let i = r.user.fills.length - 1; i >= 0; i--) {
      const f = r.user.fills[i]!
      if (t !== null && t !== "" && f.ticker !== t) continue
      if (oid !== null && oid !== "" && f.orderId !== oid) continue
      if (minTs !== undefined && f.ts / 1000 < minTs) continue
      if (maxTs !== undefined && f.ts / 1000 > maxTs) continue
      all.push(f)
    }
    const { page, cursor } = paginate(all, r.query, limit)
    return ok({ fills: page.map(W.fill), cursor })
  })
  add("GET", "/portfolio/settlements", { auth: true }, (r) => {
    const limit = limitOf(r.query, "GetSettlements", 100, 1000)
    if (isReply(limit)) return limit
    const { page, cursor } = paginate([...r.user.settlements].reverse(), r.query, limit)
    return ok({ settlements: page.map(W.settlement), cursor })
  })

  // ---------------- V2 orders
  const createResponse = (x: ReturnType<Engine["createOrder"]>) => {
    if (isErr(x)) return x
    return {
      order_id: x.order.id,
      client_order_id: x.order.clientOrderId,
      fill_count: formatCount(x.fillCount),
      remaining_count: formatCount(x.order.remaining),
      ...W.execFields(x.fillCount, x.fillNotional, x.fees),
      ts_ms: x.ts
    }
  }
  add("POST", "/portfolio/events/orders", { auth: true, mutating: true, writeOp: "create" }, (r) => {
    const d = D.decodeBody(D.CreateOrderV2Request, r.raw)
    if (!d.ok) return flat(d.details)
    const input = toCreateInput(d.value)
    if (isErr(input)) return fail(input)
    const res = createResponse(engine.createOrder(r.user.id, input))
    return isErr(res) ? fail(res) : ok(res, 201)
  })
  add("DELETE", "/portfolio/events/orders", { auth: true, cost: 2, mutating: true }, (r) => {
    const sub = intParam(r.query, "subaccount", "CancelAllOrders")
    if (isReply(sub)) return sub
    engine.cancelAll(r.user.id, sub)
    return { status: 204 }
  })
  add(
    "POST",
    "/portfolio/events/orders/batched",
    { auth: true, perItem: true, mutating: true, writeOp: "batch_create" },
    (r) => {
      const d = D.decodeBody(D.BatchCreateOrdersV2Request, r.raw)
      if (!d.ok) return flat(d.details)
      const items = d.value.orders
      if (!Array.isArray(items) || items.length === 0) {
        return fail(invalidParam("BatchCreateOrdersV2Request", "orders", "required"))
      }
      const failing = take(faults.partialBatch)
        ? (faults.partialBatch.indices ?? items.map((_, i) => i).filter((i) => i % 2 === 1))
        : []
      const out = items.map((raw, i) => {
        const item = (raw ?? {}) as Record<string, unknown>
        const cid = D.str(item, "client_order_id") ?? null
        // an errored item has no `order_id` (BatchCreateOrdersV2Response: optional, not nullable)
        const errItem = (e: ApiError) => ({
          client_order_id: cid,
          fill_count: null,
          remaining_count: null,
          average_fill_price: null,
          average_fee_paid: null,
          ts_ms: null,
          error: W.itemError(e)
        })
        if (failing.includes(i)) return errItem(apiError(500, "internal_server_error", "internal server error"))
        const input = toCreateInput(item)
        if (isErr(input)) return errItem(input)
        const res = createResponse(engine.createOrder(r.user.id, input))
        if (isErr(res)) return errItem(res)
        return { average_fill_price: null, average_fee_paid: null, ...res, error: null }
      })
      return ok({ orders: out }, 201)
    }
  )
  add(
    "DELETE",
    "/portfolio/events/orders/batched",
    { auth: true, cost: 2, perItem: true, mutating: true, writeOp: "batch_cancel" },
    (r) => {
      const d = D.decodeBody(D.BatchCancelOrdersV2Request, r.raw)
      if (!d.ok) return flat(d.details)
      const items = d.value.orders
      if (!Array.isArray(items) || items.length === 0) {
        return fail(invalidParam("BatchCancelOrdersV2Request", "orders", "required"))
      }
      const out = items.map((raw) => {
        const id = D.str((raw ?? {}) as Record<string, unknown>, "order_id") ?? ""
        const res = engine.cancelOrder(r.user.id, id)
        if (isErr(res)) {
          return { order_id: id, client_order_id: null, reduced_by: "0.00", ts_ms: null, error: W.itemError(res) }
        }
        return {
          order_id: id,
          client_order_id: res.order.clientOrderId,
          reduced_by: formatCount(res.reducedBy),
          ts_ms: res.ts,
          error: null
        }
      })
      return ok({ orders: out })
    }
  )
  add("DELETE", "/portfolio/events/orders/:id", { auth: true, cost: 2, mutating: true, writeOp: "cancel" }, (r) => {
    const res = engine.cancelOrder(r.user.id, r.params.id!)
    if (isErr(res)) return fail(res)
    return ok({
      order_id: res.order.id,
      client_order_id: res.order.clientOrderId,
      reduced_by: formatCount(res.reducedBy),
      ts_ms: res.ts
    })
  })
  add("POST", "/portfolio/events/orders/:id/amend", { auth: true, mutating: true, writeOp: "amend" }, (r) => {
    const d = D.decodeBody(D.AmendOrderV2Request, r.raw)
    if (!d.ok) return flat(d.details)
    const S = "AmendOrderV2Request"
    const b = d.value
    const ticker = D.str(b, "ticker")
    const side = D.str(b, "side")
    const priceS = D.str(b, "price")
    const countS = D.str(b, "count")
    if (ticker === undefined || ticker === "") return fail(invalidParam(S, "ticker", "required"))
    if (side !== "bid" && side !== "ask")
      return fail(invalidParam(S, "side", side === undefined ? "required" : "oneof"))
    if (priceS === undefined || priceS === "") return fail(invalidParam(S, "price", "required"))
    if (countS === undefined || countS === "") return fail(invalidParam(S, "count", "required"))
    const price = parsePrice(priceS)
    if (price === undefined) return fail(apiError(400, "invalid_price", "invalid price"))
    const count = parseCount(countS)
    if (count === undefined || count <= 0) return fail(apiError(400, "invalid_order_size", "invalid order size"))
    const exp = D.num(b, "expiration_time")
    if (exp !== undefined && exp < 0) return fail(invalidParam(S, "expiration_time", "min"))
    const res = engine.amendOrder(r.user.id, r.params.id!, {
      ticker,
      side: side as Side,
      price,
      count,
      clientOrderId: D.str(b, "client_order_id"),
      updatedClientOrderId: D.str(b, "updated_client_order_id"),
      expirationSec: exp
    })
    if (isErr(res)) return fail(res)
    const filled = res.exec?.fillCount ?? 0
    return ok({
      order_id: res.order.id,
      client_order_id: res.order.clientOrderId,
      ...(res.sizeChanged || filled > 0
        ? { remaining_count: formatCount(res.order.remaining), fill_count: formatCount(filled) }
        : {}),
      ...(res.exec === undefined ? {} : W.execFields(filled, res.exec.fillNotional, res.exec.fees)),
      ts_ms: res.ts
    })
  })
  add("POST", "/portfolio/events/orders/:id/decrease", { auth: true, mutating: true }, (r) => {
    const d = D.decodeBody(D.DecreaseOrderV2Request, r.raw)
    if (!d.ok) return flat(d.details)
    const by = D.str(d.value, "reduce_by")
    const to = D.str(d.value, "reduce_to")
    if ((by === undefined) === (to === undefined)) {
      return fail(apiError(400, "invalid_parameters", "invalid parameters", "exactly one of reduce_by or reduce_to"))
    }
    const byN = by === undefined ? undefined : parseCount(by)
    const toN = to === undefined ? undefined : parseCount(to)
    if ((by !== undefined && byN === undefined) || (to !== undefined && toN === undefined)) {
      return fail(apiError(400, "invalid_order_size", "invalid order size"))
    }
    const res = engine.decreaseOrder(r.user.id, r.params.id!, byN, toN)
    if (isErr(res)) return fail(res)
    return ok({
      order_id: res.order.id,
      client_order_id: res.order.clientOrderId,
      remaining_count: formatCount(res.order.remaining),
      ts_ms: res.ts
    })
  })

  // ---------------- order groups
  const limitFrom = (b: Record<string, unknown>, S: string): number | ApiError => {
    const n = D.num(b, "contracts_limit")
    const fp = D.str(b, "contracts_limit_fp")
    const fromFp = fp === undefined ? undefined : parseCount(fp)
    if (fp !== undefined && fromFp === undefined) return invalidParam(S, "contracts_limit_fp", "fixed_point")
    const fromN = n === undefined ? undefined : n * 100
    if (fromN !== undefined && fromFp !== undefined && fromN !== fromFp) {
      return invalidParam(S, "contracts_limit", "eqfield")
    }
    const v = fromFp ?? fromN
    if (v === undefined) return invalidParam(S, "contracts_limit", "required")
    if (v < 100 || v > 100_000_000) return invalidParam(S, "contracts_limit", "gte")
    return v
  }
  add("POST", "/portfolio/order_groups/create", { auth: true }, (r) => {
    const d = D.decodeBody(D.CreateOrderGroupRequest, r.raw)
    if (!d.ok) return flat(d.details)
    const lim = limitFrom(d.value, "CreateOrderGroupRequest")
    if (isErr(lim)) return fail(lim)
    const sub = D.num(d.value, "subaccount") ?? 0
    const g = engine.createGroup(r.user.id, lim, sub)
    return ok({ order_group_id: g.id, subaccount: sub, exchange_index: 0 }, 201)
  })
  add("GET", "/portfolio/order_groups", { auth: true }, (r) =>
    ok({ order_groups: [...r.user.groups.values()].map(W.group) })
  )
  const groupOr404 = (r: Req) => {
    const g = engine.groupOf(r.user.id, r.params.id!)
    return g === undefined ? fail(apiError(404, "not_found", "not found")) : g
  }
  add("GET", "/portfolio/order_groups/:id", { auth: true }, (r) => {
    const g = groupOr404(r)
    if (isReply(g)) return g
    return ok({
      is_auto_cancel_enabled: true,
      contracts_limit_fp: formatCount(g.limit),
      orders: [...g.orders].filter((id) => engine.orders.get(id)?.status === "resting"),
      exchange_index: 0
    })
  })
  add("DELETE", "/portfolio/order_groups/:id", { auth: true }, (r) => {
    const g = groupOr404(r)
    if (isReply(g)) return g
    engine.deleteGroup(g)
    return ok({})
  })
  add("PUT", "/portfolio/order_groups/:id/reset", { auth: true }, (r) => {
    const g = groupOr404(r)
    if (isReply(g)) return g
    engine.resetGroup(g)
    return ok({})
  })
  add("PUT", "/portfolio/order_groups/:id/trigger", { auth: true }, (r) => {
    const g = groupOr404(r)
    if (isReply(g)) return g
    engine.triggerGroup(g)
    return ok({})
  })
  add("PUT", "/portfolio/order_groups/:id/limit", { auth: true }, (r) => {
    const g = groupOr404(r)
    if (isReply(g)) return g
    const d = D.decodeBody(D.UpdateOrderGroupLimitRequest, r.raw)
    if (!d.ok) return flat(d.details)
    const lim = limitFrom(d.value, "UpdateOrderGroupLimitRequest")
    if (isErr(lim)) return fail(lim)
    engine.setGroupLimit(g, lim)
    return ok({})
  })

  // ---------------- legacy V1 mutations → 410
  const gone: Handler = () =>
    fail(
      apiError(410, "deprecated_v1_order_endpoint", "deprecated v1 order endpoint", "Please switch to the V2 endpoints")
    )
  const v1 = [
    ["POST", "/portfolio/orders"],
    ["POST", "/portfolio/orders/batched"],
    ["DELETE", "/portfolio/orders/batched"],
    ["DELETE", "/portfolio/orders/:id"],
    ["POST", "/portfolio/orders/:id/amend"],
    ["POST", "/portfolio/orders/:id/decrease"]
  ] as const
  const v1Routes: Array<Route> = v1.map(([method, template]) => ({
    method,
    template,
    segs: template.split("/").filter((s) => s !== ""),
    auth: false,
    bucket: "write",
    cost: 0,
    perItem: false,
    mutating: false,
    handler: gone
  }))
  routes.unshift(...v1Routes)

  // ------------------------------------------------------------------ dispatch

  const match = (
    method: string,
    segs: ReadonlyArray<string>
  ): { route: Route; params: Record<string, string> } | "method" | undefined => {
    let methodMismatch = false
    for (const r of routes) {
      if (r.segs.length !== segs.length) continue
      const params: Record<string, string> = {}
      let okm = true
      for (let i = 0; i < segs.length; i++) {
        const p = r.segs[i]!
        if (p.startsWith(":")) params[p.slice(1)] = decodeURIComponent(segs[i]!)
        else if (p !== segs[i]) {
          okm = false
          break
        }
      }
      if (!okm) continue
      if (r.method !== method) {
        methodMismatch = true
        continue
      }
      return { route: r, params }
    }
    return methodMismatch ? "method" : undefined
  }

  const countItems = (raw: string): number => {
    try {
      const v = JSON.parse(raw) as { orders?: unknown }
      return Array.isArray(v?.orders) ? Math.max(1, v.orders.length) : 1
    } catch {
      return 1
    }
  }

  const malformedHits = (op: WriteOp): boolean => {
    const ops = faults.malformedResponses.operations
    return (ops === undefined || ops.includes(op)) && take(faults.malformedResponses)
  }
  /** The applied write's answer with `order_id` a number (in every item of a batch): undecodable, still 2xx. */
  const malformed = (reply: Reply): Reply => {
    const b = reply.body as Record<string, unknown> | undefined
    if (b === undefined || typeof b !== "object" || b === null) return { status: reply.status, body: { order_id: 0 } }
    if (Array.isArray(b.orders)) {
      return {
        status: reply.status,
        body: { ...b, orders: b.orders.map((o) => ({ ...(o as Record<string, unknown>), order_id: 12345 })) }
      }
    }
    return { status: reply.status, body: { ...b, order_id: 12345 } }
  }

  /** Full request pipeline; returns the reply, or "lost" when the response must be dropped. */
  const handle = (
    method: string,
    path: string,
    query: URLSearchParams,
    headers: Record<string, string | string[] | undefined>,
    raw: string
  ): Reply | { readonly lost: "destroy" | "504" } => {
    const now = clock.now()
    if (path.startsWith("/_sim")) return ctx.control(method, path, query, raw)
    if (!path.startsWith(PREFIX + "/")) return fail(apiError(404, "not_found", "not found"))
    if (take(faults.serverErrors)) {
      const s = faults.serverErrors.status
      return s === 502
        ? { status: 502, text: "<html><body><h1>502 Bad Gateway</h1></body></html>" }
        : s === 503
          ? fail(apiError(503, "service_unavailable", "service unavailable"))
          : fail(apiError(s, "internal_server_error", "internal server error"))
    }
    if (faults.rateLimitStorm.untilMs > now || take(faults.rateLimitStorm)) {
      return { status: 429, body: { error: "too many requests" } }
    }
    const segs = path
      .slice(PREFIX.length)
      .split("/")
      .filter((s) => s !== "")
    const found = match(method, segs)
    if (found === undefined) return fail(apiError(404, "not_found", "not found"))
    if (found === "method") return fail(apiError(405, "method_not_allowed", "method not allowed"))
    const { route, params } = found
    let user: User | undefined
    if (route.auth) {
      const a = verify(ctx.keys, headers, method, path, now, ctx.authWindow)
      if (!a.ok) return { status: 401, body: authErrorBody(a.failure) }
      user = engine.ensureUser(a.key.userId)
      if (ctx.settings.rateLimit) {
        const limits = limitsFor(ctx.settings.tier)
        if (user.read === undefined) user.read = makeBucket(limits.read, now)
        if (user.write === undefined) user.write = makeBucket(limits.write, now)
        const bucket = route.bucket === "read" ? user.read : user.write
        const cost = route.perItem ? route.cost * countItems(raw) : route.cost
        if (!tryTake(bucket, cost, now)) return { status: 429, body: { error: "too many requests" } }
      }
    }
    const reply = route.handler({
      method,
      path,
      query,
      params,
      raw,
      user: user ?? (undefined as unknown as User)
    })
    if (route.writeOp !== undefined && reply.status < 300 && malformedHits(route.writeOp)) return malformed(reply)
    if (route.mutating && reply.status < 300 && take(faults.loseResponse)) return { lost: faults.loseResponse.mode }
    return reply
  }

  const send = (res: ServerResponse, reply: Reply): void => {
    if (reply.text !== undefined) {
      res.writeHead(reply.status, { "content-type": "text/html" })
      res.end(reply.text)
    } else if (reply.body === undefined) {
      res.writeHead(reply.status)
      res.end()
    } else {
      const s = JSON.stringify(reply.body)
      res.writeHead(reply.status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(s)
      })
      res.end(s)
    }
  }

  /** node:http request listener */
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? "/"
    const maxUrl = ctx.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH
    if (target.length > maxUrl) {
      // refused before routing, like a front end would: no body read, no auth, no rate-limit token spent
      const q0 = target.indexOf("?")
      ctx.onRequest?.(req.method ?? "GET", q0 === -1 ? target : target.slice(0, q0), 414)
      const s = JSON.stringify({ error: `request URI too long (${target.length} > ${maxUrl})` })
      res.writeHead(414, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(s),
        connection: "close"
      })
      res.end(s)
      req.resume()
      return
    }
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const url = req.url ?? "/"
      const q = url.indexOf("?")
      const path = q === -1 ? url : url.slice(0, q)
      const query = new URLSearchParams(q === -1 ? "" : url.slice(q + 1))
      const raw = chunks.length === 0 ? "" : Buffer.concat(chunks).toString("utf8")
      let out: Reply | { readonly lost: "destroy" | "504" }
      try {
        out = handle(req.method ?? "GET", path, query, req.headers, raw)
      } catch (e) {
        out = fail(apiError(500, "internal_server_error", "internal server error", String(e)))
      }
      const deliver = () => {
        if ("lost" in out) {
          if (out.lost === "destroy") req.socket.destroy()
          else {
            res.writeHead(504)
            res.end()
          }
          return
        }
        try {
          ctx.onRequest?.(req.method ?? "GET", path, out.status)
          send(res, out)
        } catch {
          res.destroy()
        }
      }
      if (faults.latency.ms > 0 && take(faults.latency)) setTimeout(deliver, faults.latency.ms)
      else deliver()
    })
  }

  return { listener, handle, routes }
}
