/**
 * Kalshi public frames on a tape → replay events (REFERENCE §9.5). Books are recorded with `use_yes_price`:
 * the `yes` side is bids, the `no` side is asks, both in YES prices. Sizes are `*_fp` strings (fractional
 * contracts); prices are dollar strings. Anything else (acks, tickers, unknown types) is `undefined`.
 */
import { Decimal as D } from "@alpha-hunter/core"

export type BookSide = "bid" | "ask"

export type Event =
  | {
      readonly _tag: "Snapshot"
      readonly symbol: string
      readonly sid: number | undefined
      readonly seq: number | undefined
      readonly bids: ReadonlyArray<readonly [D.Decimal, D.Decimal]>
      readonly asks: ReadonlyArray<readonly [D.Decimal, D.Decimal]>
    }
  | {
      readonly _tag: "Delta"
      readonly symbol: string
      readonly sid: number | undefined
      readonly seq: number | undefined
      readonly side: BookSide
      readonly price: D.Decimal
      readonly delta: D.Decimal
    }
  | {
      readonly _tag: "Trade"
      readonly symbol: string
      readonly price: D.Decimal
      readonly size: D.Decimal
      /** the side of the book the taker was on: `bid` = a buyer took asks, `ask` = a seller took bids */
      readonly taker: BookSide
    }
  | {
      readonly _tag: "Lifecycle"
      readonly symbol: string
      readonly event: string
      readonly settlementValue: D.Decimal | undefined
      readonly result: string | undefined
      readonly deactivated: boolean | undefined
    }

const dec = (u: unknown): D.Decimal | undefined => {
  if (typeof u !== "string" && typeof u !== "number") return undefined
  const r = D.parse(String(u))
  return r._tag === "Right" ? r.right : undefined
}

const levels = (u: unknown): Array<readonly [D.Decimal, D.Decimal]> => {
  if (!Array.isArray(u)) return []
  const out: Array<readonly [D.Decimal, D.Decimal]> = []
  for (const l of u) {
    if (!Array.isArray(l)) continue
    const p = dec(l[0])
    const s = dec(l[1])
    if (p !== undefined && s !== undefined) out.push([p, s])
  }
  return out
}

/** The event of one raw frame; `undefined` for frames replay does not use. Throws on malformed JSON. */
export const parse = (raw: string): Event | undefined => {
  const f = JSON.parse(raw) as { type?: string; sid?: number; seq?: number; msg?: Record<string, unknown> }
  const m = f.msg
  if (m === undefined || typeof m !== "object") return undefined
  const symbol = typeof m["market_ticker"] === "string" ? (m["market_ticker"] as string) : undefined
  if (symbol === undefined) return undefined
  switch (f.type) {
    case "orderbook_snapshot":
      return {
        _tag: "Snapshot",
        symbol,
        sid: f.sid,
        seq: f.seq,
        bids: levels(m["yes_dollars_fp"]),
        asks: levels(m["no_dollars_fp"])
      }
    case "orderbook_delta": {
      const price = dec(m["price_dollars"])
      const delta = dec(m["delta_fp"])
      const side = m["side"] === "yes" ? "bid" : m["side"] === "no" ? "ask" : undefined
      if (price === undefined || delta === undefined || side === undefined) return undefined
      return { _tag: "Delta", symbol, sid: f.sid, seq: f.seq, side, price, delta }
    }
    case "trade": {
      const price = dec(m["yes_price_dollars"])
      const size = dec(m["count_fp"])
      const book = m["taker_book_side"]
      const taker: BookSide | undefined =
        book === "bid" || book === "ask"
          ? book
          : m["taker_side"] === "yes"
            ? "bid"
            : m["taker_side"] === "no"
              ? "ask"
              : undefined
      if (price === undefined || size === undefined || taker === undefined) return undefined
      return { _tag: "Trade", symbol, price, size, taker }
    }
    case "market_lifecycle_v2":
      return {
        _tag: "Lifecycle",
        symbol,
        event: String(m["event_type"] ?? ""),
        settlementValue: dec(m["settlement_value"]),
        result: typeof m["result"] === "string" ? (m["result"] as string) : undefined,
        deactivated: typeof m["is_deactivated"] === "boolean" ? (m["is_deactivated"] as boolean) : undefined
      }
    default:
      return undefined
  }
}
