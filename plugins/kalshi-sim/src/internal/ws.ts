/** WebSocket surface at `/trade-api/ws/v2` (ws, noServer + handleUpgrade). REFERENCE §9. */
import type { IncomingMessage } from "node:http"
import type { Duplex } from "node:stream"
import { type WebSocket, WebSocketServer } from "ws"
import { formatCount, formatPrice } from "../FixedPoint.js"
import { type AuthWindow, errorBody as authErrorBody, type RegisteredKey, verify } from "./auth.js"
import type { Engine, SimEvent } from "./engine.js"
import type { Faults } from "./faults.js"
import type { Scheduler, SimClock } from "./scheduler.js"
import type { Market } from "./types.js"
import * as W from "./wire.js"

export const WS_PATH = "/trade-api/ws/v2"

const CHANNELS = new Set([
  "orderbook_delta",
  "ticker",
  "trade",
  "fill",
  "user_orders",
  "market_positions",
  "market_lifecycle_v2",
  "order_group_updates",
  // accepted but the simulator never publishes on them
  "multivariate_market_lifecycle",
  "communications",
  "cfbenchmarks_value",
  "cfbenchmarks_value_5hz",
  "pyth_value"
])

interface Sub {
  readonly sid: number
  readonly channel: string
  /** null = all markets */
  tickers: Set<string> | null
  seq: number
  readonly useYesPrice: boolean
  readonly skipTickerAck: boolean
}

interface Conn {
  readonly ws: WebSocket
  readonly userId: string
  readonly subs: Map<number, Sub>
  nextSid: number
  held: string | null
}

export interface WsContext {
  readonly engine: Engine
  readonly faults: Faults
  readonly keys: Map<string, RegisteredKey>
  readonly clock: SimClock
  readonly scheduler: Scheduler
  readonly authWindow: AuthWindow
  readonly pingIntervalMs: number
}

const ERR: Record<number, string> = {
  1: "Unable to process message",
  2: "Params required",
  3: "Channels required",
  4: "Subscription IDs required",
  5: "Unknown command",
  7: "Unknown subscription ID",
  8: "Unknown channel name",
  9: "Authentication required",
  11: "Invalid parameter",
  12: "Exactly one subscription ID is required",
  13: "Unsupported action",
  14: "Market Ticker required",
  15: "Action required",
  19: "shard_factor must be > 0",
  20: "shard_factor is required when shard_key is set",
  21: "shard_key must be >= 0 and < shard_factor",
  22: "shard_factor must be <= 100"
}

export const makeWs = (ctx: WsContext) => {
  const { engine, faults, clock } = ctx
  const wss = new WebSocketServer({ noServer: true })
  const conns = new Set<Conn>()
  let messagesSent = 0

  // ---------------------------------------------------------------- sending (fault-aware)

  const write = (c: Conn, text: string): void => {
    if (c.ws.readyState !== c.ws.OPEN) return
    c.ws.send(text)
    messagesSent++
  }
  const sendRaw = (c: Conn, text: string): void => {
    if (faults.malformedFrames > 0) {
      faults.malformedFrames -= 1
      // garbage a client must log and skip: not JSON at all, then a delta with numbers for strings
      write(c, "{not json")
      write(
        c,
        JSON.stringify({ type: "orderbook_delta", sid: 1, msg: { market_ticker: 42, price_dollars: 0.5, side: "up" } })
      )
    }
    if (faults.reorderFrames > 0 && c.held === null) {
      faults.reorderFrames -= 1
      c.held = text
      setTimeout(() => {
        if (c.held === text) {
          c.held = null
          write(c, text)
        }
      }, 200)
      return
    }
    write(c, text)
    if (faults.duplicateFrames > 0) {
      faults.duplicateFrames -= 1
      write(c, text)
    }
    if (c.held !== null) {
      const h = c.held
      c.held = null
      write(c, h)
    }
  }
  const send = (c: Conn, obj: unknown): void => sendRaw(c, JSON.stringify(obj))
  const nextSeq = (s: Sub): number => {
    s.seq += 1
    if (faults.skipSeq > 0) {
      faults.skipSeq -= 1
      s.seq += 1
    }
    return s.seq
  }
  const sendSeq = (c: Conn, s: Sub, type: string, msg: unknown): void =>
    send(c, { type, sid: s.sid, seq: nextSeq(s), msg })
  /** private channels carry `seq` per subscription too; the `private_seq_gap` fault drops a message there */
  const sendPrivate = (c: Conn, s: Sub, type: string, msg: unknown): void => {
    s.seq += 1
    const gap = faults.privateSeqGap
    if (gap.count > 0 && gap.channel === s.channel) {
      gap.count -= 1
      return
    }
    send(c, { type, sid: s.sid, seq: s.seq, msg })
  }
  const error = (c: Conn, id: number, code: number): void =>
    send(c, { id, type: "error", msg: { code, msg: ERR[code] ?? "Error" } })

  // ---------------------------------------------------------------- payloads

  const snapshotMsg = (m: Market, useYes: boolean) => {
    const yes: Array<[string, string]> = []
    for (const p of m.book.bids.prices) yes.push([formatPrice(p), formatCount(m.book.bids.levels.get(p)!.total)])
    const no: Array<[string, string]> = []
    const ap = m.book.asks.prices
    for (let i = ap.length - 1; i >= 0; i--) {
      const p = ap[i]!
      no.push([formatPrice(useYes ? p : 10_000 - p), formatCount(m.book.asks.levels.get(p)!.total)])
    }
    return {
      market_ticker: m.ticker,
      market_id: m.marketId,
      ...(yes.length > 0 ? { yes_dollars_fp: yes } : {}),
      ...(no.length > 0 ? { no_dollars_fp: no } : {})
    }
  }
  const tickerMsg = (m: Market, ts: number) => {
    const t = W.top(m)
    return {
      market_ticker: m.ticker,
      market_id: m.marketId,
      price_dollars: formatPrice(m.lastPrice),
      yes_bid_dollars: formatPrice(t.yesBid),
      yes_ask_dollars: formatPrice(t.yesAsk),
      yes_bid_size_fp: formatCount(t.yesBidSize),
      yes_ask_size_fp: formatCount(t.yesAskSize),
      last_trade_size_fp: formatCount(m.lastTradeSize),
      volume_fp: formatCount(m.volume),
      open_interest_fp: formatCount(m.openInterest),
      dollar_volume: Math.floor(m.volume / 200),
      dollar_open_interest: Math.floor(m.openInterest / 200),
      ts: Math.floor(ts / 1000),
      ts_ms: ts,
      time: W.iso(ts)
    }
  }
  const wants = (s: Sub, ticker: string): boolean => s.tickers === null || s.tickers.has(ticker)

  // ---------------------------------------------------------------- engine events → subscribers

  const onEvent = (e: SimEvent): void => {
    if (conns.size === 0) return
    for (const c of conns) {
      for (const s of c.subs.values()) {
        switch (e.type) {
          case "book":
            if (s.channel === "orderbook_delta" && wants(s, e.market.ticker)) {
              const own = e.order !== undefined && e.order.userId === c.userId
              const yesSide = e.side === "bid"
              sendSeq(c, s, "orderbook_delta", {
                market_ticker: e.market.ticker,
                market_id: e.market.marketId,
                price_dollars: formatPrice(yesSide || s.useYesPrice ? e.price : 10_000 - e.price),
                delta_fp: formatCount(e.delta),
                side: yesSide ? "yes" : "no",
                ts: W.iso(e.ts),
                ts_ms: e.ts,
                ...(own && e.order !== undefined
                  ? { client_order_id: e.order.clientOrderId, subaccount: e.order.subaccount }
                  : {}),
                ...(e.order !== undefined && e.order.lastUpdateReason !== ""
                  ? { last_update_reason: e.order.lastUpdateReason }
                  : {})
              })
            }
            break
          case "trade":
            if (s.channel === "trade" && wants(s, e.market.ticker)) {
              send(c, { type: "trade", sid: s.sid, msg: W.wsTrade(e.trade) })
            }
            break
          case "ticker":
            if (s.channel === "ticker" && wants(s, e.market.ticker)) {
              send(c, { type: "ticker", sid: s.sid, msg: tickerMsg(e.market, e.ts) })
            }
            break
          case "fill":
            if (s.channel === "fill" && c.userId === e.userId && wants(s, e.market.ticker)) {
              sendPrivate(c, s, "fill", W.wsFill(e.fill))
            }
            break
          case "order":
            if (s.channel === "user_orders" && c.userId === e.order.userId && wants(s, e.order.ticker)) {
              if (faults.suppressUserOrders > 0) {
                faults.suppressUserOrders -= 1
                break
              }
              sendPrivate(c, s, "user_order", W.userOrder(e.order))
            }
            break
          case "position":
            if (s.channel === "market_positions" && c.userId === e.userId && wants(s, e.market.ticker)) {
              sendPrivate(c, s, "market_position", W.wsPosition(e.userId, e.position))
            }
            break
          case "lifecycle":
            if (s.channel === "market_lifecycle_v2") {
              send(c, {
                type: "market_lifecycle_v2",
                sid: s.sid,
                msg: { market_ticker: e.market.ticker, event_type: e.eventType, exchange_index: 0, ...e.extra }
              })
            }
            break
          case "group":
            if (s.channel === "order_group_updates" && c.userId === e.userId) {
              sendPrivate(c, s, "order_group_updates", {
                event_type: e.eventType,
                order_group_id: e.group.id,
                ...(e.eventType === "created" || e.eventType === "limit_updated"
                  ? { contracts_limit_fp: formatCount(e.group.limit) }
                  : {}),
                ts_ms: e.ts
              })
            }
            break
        }
      }
    }
  }
  engine.listeners.add(onEvent)

  // ---------------------------------------------------------------- commands

  const tickersOf = (p: Record<string, unknown>): Array<string> | "invalid" | undefined => {
    const one = p.market_ticker
    const many = p.market_tickers
    if (one !== undefined && typeof one !== "string") return "invalid"
    if (many !== undefined && (!Array.isArray(many) || many.some((x) => typeof x !== "string"))) return "invalid"
    const ids = p.market_id ?? p.market_ids
    const out: Array<string> = []
    if (typeof one === "string" && one !== "") out.push(one)
    if (Array.isArray(many)) out.push(...(many as Array<string>))
    if (ids !== undefined) {
      const idList = Array.isArray(ids) ? ids : [ids]
      for (const id of idList) {
        const m = [...engine.markets.values()].find((x) => x.marketId === id)
        if (m !== undefined) out.push(m.ticker)
      }
    }
    return out.length === 0 ? undefined : out
  }

  const sendSnapshots = (c: Conn, s: Sub, tickers: Iterable<string>): void => {
    for (const t of tickers) {
      const m = engine.markets.get(t)
      if (m !== undefined) sendSeq(c, s, "orderbook_snapshot", snapshotMsg(m, s.useYesPrice))
    }
  }

  const onCommand = (c: Conn, text: string) => {
    let cmd: unknown
    try {
      cmd = JSON.parse(text)
    } catch {
      return error(c, 0, 1)
    }
    if (typeof cmd !== "object" || cmd === null || Array.isArray(cmd)) return error(c, 0, 1)
    const o = cmd as Record<string, unknown>
    if (o.id !== undefined && (typeof o.id !== "number" || !Number.isInteger(o.id))) return error(c, 0, 1)
    const id = (o.id as number | undefined) ?? 0
    const params = o.params
    const p = (typeof params === "object" && params !== null && !Array.isArray(params) ? params : undefined) as
      | Record<string, unknown>
      | undefined
    switch (o.cmd) {
      case "subscribe": {
        if (p === undefined) return error(c, id, 2)
        const chans = p.channels
        if (!Array.isArray(chans) || chans.length === 0) return error(c, id, 3)
        if (chans.some((ch) => typeof ch !== "string" || !CHANNELS.has(ch))) return error(c, id, 8)
        const tickers = tickersOf(p)
        if (tickers === "invalid") return error(c, id, 11)
        const sf = p.shard_factor
        const sk = p.shard_key
        if (sk !== undefined && sf === undefined) return error(c, id, 20)
        if (sf !== undefined) {
          if (typeof sf !== "number" || sf <= 0) return error(c, id, 19)
          if (sf > 100) return error(c, id, 22)
          if (sk !== undefined && (typeof sk !== "number" || sk < 0 || sk >= sf)) return error(c, id, 21)
        }
        if (chans.includes("orderbook_delta") && tickers === undefined) return error(c, id, 14)
        // all `subscribed` acks go out first, then snapshots (as in the recorded demo exchange)
        const after: Array<() => void> = []
        for (const ch of chans as Array<string>) {
          const existing = [...c.subs.values()].find((s) => s.channel === ch)
          if (existing !== undefined) {
            const added: Array<string> = []
            if (existing.tickers !== null && tickers !== undefined) {
              for (const t of tickers) {
                if (!existing.tickers.has(t)) {
                  existing.tickers.add(t)
                  added.push(t)
                }
              }
            } else if (tickers === undefined) existing.tickers = null
            send(c, { id, type: "subscribed", msg: { channel: ch, sid: existing.sid } })
            if (ch === "orderbook_delta") after.push(() => sendSnapshots(c, existing, added))
            continue
          }
          const s: Sub = {
            sid: c.nextSid++,
            channel: ch,
            tickers: tickers === undefined ? null : new Set(tickers),
            seq: 0,
            useYesPrice: p.use_yes_price === true,
            skipTickerAck: p.skip_ticker_ack === true
          }
          c.subs.set(s.sid, s)
          send(c, { id, type: "subscribed", msg: { channel: ch, sid: s.sid } })
          const subTickers = s.tickers
          if (ch === "orderbook_delta" && subTickers !== null) after.push(() => sendSnapshots(c, s, subTickers))
          if (ch === "ticker" && p.send_initial_snapshot === true) {
            after.push(() => {
              const now = clock.now()
              for (const m of engine.markets.values()) {
                if (wants(s, m.ticker)) send(c, { type: "ticker", sid: s.sid, msg: tickerMsg(m, now) })
              }
            })
          }
        }
        for (const f of after) f()
        return
      }
      case "unsubscribe": {
        if (p === undefined) return error(c, id, 2)
        const sids = p.sids
        if (!Array.isArray(sids) || sids.length === 0) return error(c, id, 4)
        for (const sid of sids) {
          const s = typeof sid === "number" ? c.subs.get(sid) : undefined
          if (s === undefined) {
            error(c, id, 7)
            continue
          }
          c.subs.delete(s.sid)
          send(c, { id, sid: s.sid, seq: nextSeq(s), type: "unsubscribed" })
        }
        return
      }
      case "update_subscription": {
        if (p === undefined) return error(c, id, 2)
        let sid: unknown = p.sid
        if (sid === undefined && Array.isArray(p.sids)) {
          if (p.sids.length !== 1) return error(c, id, 12)
          sid = p.sids[0]
        }
        if (sid === undefined) return error(c, id, 12)
        const action = p.action
        if (action === undefined || action === "") return error(c, id, 15)
        const s = typeof sid === "number" ? c.subs.get(sid) : undefined
        if (s === undefined) return error(c, id, 7)
        if (action !== "add_markets" && action !== "delete_markets" && action !== "get_snapshot") {
          return error(c, id, 13)
        }
        if (action === "get_snapshot" && s.channel !== "orderbook_delta") return error(c, id, 13)
        const tickers = tickersOf(p)
        if (tickers === "invalid") return error(c, id, 11)
        if (tickers === undefined) return error(c, id, 14)
        const ack = () =>
          send(c, {
            id,
            sid: s.sid,
            seq: nextSeq(s),
            type: "ok",
            ...(s.skipTickerAck ? {} : { msg: { market_tickers: s.tickers === null ? [] : [...s.tickers] } })
          })
        if (action === "get_snapshot") {
          ack()
          sendSnapshots(c, s, tickers)
          return
        }
        if (action === "add_markets") {
          const added: Array<string> = []
          if (s.tickers === null) s.tickers = new Set()
          for (const t of tickers) {
            if (!s.tickers.has(t)) {
              s.tickers.add(t)
              added.push(t)
            }
          }
          ack()
          if (s.channel === "orderbook_delta") sendSnapshots(c, s, added)
          return
        }
        if (s.tickers !== null) for (const t of tickers) s.tickers.delete(t)
        ack()
        return
      }
      case "list_subscriptions":
        return send(c, {
          id,
          type: "ok",
          msg: [...c.subs.values()].map((s) => ({ channel: s.channel, sid: s.sid }))
        })
      default:
        return error(c, id, 5)
    }
  }

  // ---------------------------------------------------------------- upgrade / lifecycle

  const reject = (socket: Duplex, status: number, reason: string, body: unknown): void => {
    const s = JSON.stringify(body)
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(s)}\r\nConnection: close\r\n\r\n${s}`
    )
    socket.destroy()
  }

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? "/"
    const q = url.indexOf("?")
    const path = q === -1 ? url : url.slice(0, q)
    if (path !== WS_PATH)
      return reject(socket, 404, "Not Found", { error: { code: "not_found", message: "not found" } })
    const a = verify(ctx.keys, req.headers, "GET", WS_PATH, clock.now(), ctx.authWindow)
    if (!a.ok) return reject(socket, 401, "Unauthorized", authErrorBody(a.failure))
    const userId = a.key.userId
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: Conn = { ws, userId, subs: new Map(), nextSid: 1, held: null }
      conns.add(c)
      ws.on("message", (data, isBinary) => {
        try {
          onCommand(c, isBinary ? "" : data.toString())
        } catch {
          error(c, 0, 17)
        }
      })
      ws.on("close", () => conns.delete(c))
      ws.on("error", () => conns.delete(c))
    })
  }

  const schedulePing = (at: number): void => {
    ctx.scheduler.at(at, (t) => {
      for (const c of conns) if (c.ws.readyState === c.ws.OPEN) c.ws.ping("heartbeat")
      schedulePing(t + ctx.pingIntervalMs)
    })
  }
  if (ctx.pingIntervalMs > 0) schedulePing(clock.now() + ctx.pingIntervalMs)

  return {
    upgrade,
    /** terminate every socket without a close frame */
    dropAll: (): number => {
      let n = 0
      for (const c of conns) {
        c.ws.terminate()
        n++
      }
      conns.clear()
      return n
    },
    connections: () => conns.size,
    messagesSent: () => messagesSent,
    close: (done: () => void): void => {
      engine.listeners.delete(onEvent)
      for (const c of conns) c.ws.terminate()
      conns.clear()
      wss.close(() => done())
    }
  }
}
