/**
 * A strict scanner for the hot frame, `orderbook_delta`, read straight off the WebSocket string: no
 * `JSON.parse`, no schema, no allocation but the ticker slice. It accepts the layout Kalshi writes —
 * `{"type":"orderbook_delta","sid":<int>,"seq":<int>,"msg":{…}}` with no whitespace, no escapes and no
 * control characters — with `msg`'s members in any order; it validates every token it passes (strings,
 * numbers by JSON's grammar, literals) and every field it uses (types; fixed-point strings → integer
 * $0.0001 units and 0.01-contract lots, exactly: no binary fractions). Anything else — another layout,
 * escapes, nested values, non-integer envelope numbers, duplicate fields, sub-unit precision, a command
 * `id` — is `false`, and the caller takes the general path (`JSON.parse` + the `wire` schemas), which decides
 * what the frame is. So the scanner never changes a result, it only skips work (checked against `JSON.parse`
 * by the property tests in `test/Frames.test.ts`).
 */

/** Where a scanned delta's fields landed (one instance reused per connection). */
export interface ScannedDelta {
  /** envelope `sid`/`seq`: NaN when null */
  sid: number
  seq: number
  /** `msg.market_ticker` is `raw.slice(tickerStart, tickerEnd)` */
  tickerStart: number
  tickerEnd: number
  /** `msg.price_dollars` in $0.0001 units */
  pips: number
  /** `msg.delta_fp` in 0.01-contract lots (signed) */
  lots: number
  yes: boolean
  /** `msg.ts_ms`: NaN when absent or null */
  tsMs: number
}

export const makeScratch = (): ScannedDelta => ({
  sid: Number.NaN,
  seq: Number.NaN,
  tickerStart: 0,
  tickerEnd: 0,
  pips: 0,
  lots: 0,
  yes: true,
  tsMs: Number.NaN
})

const QUOTE = 34
const COMMA = 44
const COLON = 58
const CLOSE = 125
const MINUS = 45
const DOT = 46

const BACKSLASH = 92

const HEAD = '{"type":"orderbook_delta","sid":'
const SEQ = ',"seq":'
const MSG = ',"msg":{'

/**
 * Whether `s` holds `lit` at `a`. A loop of `charCodeAt` the JIT inlines: `String.prototype.startsWith` with a
 * position is a builtin call that cost more than the rest of a field here.
 */
const at = (s: string, a: number, lit: string): boolean => {
  for (let k = 0; k < lit.length; k++) if (s.charCodeAt(a + k) !== lit.charCodeAt(k)) return false
  return true
}

/** the value of the last `intOrNullAt` / `numberEnd` */
let value = 0

const isDigit = (c: number): boolean => c >= 48 && c <= 57

/**
 * The end of a JSON number starting at `i` (−1 when it is not one); `value` is the number when it is a plain
 * integer of at most 15 digits, else NaN (a fraction, an exponent or a long integer: let `JSON.parse` judge).
 */
const numberEnd = (s: string, i: number): number => {
  let neg = false
  if (s.charCodeAt(i) === MINUS) {
    neg = true
    i++
  }
  let c = s.charCodeAt(i)
  if (!isDigit(c)) return -1
  let v = 0
  let n = 0
  if (c === 48) i++
  else {
    for (;;) {
      const d = s.charCodeAt(i) - 48
      if (!(d >= 0 && d <= 9)) break
      v = v * 10 + d
      n++
      i++
    }
  }
  let plain = n <= 15
  if (s.charCodeAt(i) === DOT) {
    plain = false
    i++
    if (!isDigit(s.charCodeAt(i))) return -1
    while (isDigit(s.charCodeAt(i))) i++
  }
  c = s.charCodeAt(i)
  if (c === 101 || c === 69) {
    plain = false
    i++
    c = s.charCodeAt(i)
    if (c === 43 || c === MINUS) i++
    if (!isDigit(s.charCodeAt(i))) return -1
    while (isDigit(s.charCodeAt(i))) i++
  }
  value = plain ? (neg ? -v : v) : Number.NaN
  return i
}

/** The end of `null`, `true` or `false` at `i`, or −1. */
const literalEnd = (s: string, i: number): number => {
  if (at(s, i, "null") || at(s, i, "true")) return i + 4
  if (at(s, i, "false")) return i + 5
  return -1
}

/** `s[a, b)` as integer units at `decimals` places (the `Decimal.parseUnits` rules); NaN if not exact. */
const unitsAt = (s: string, a: number, b: number, decimals: number): number => {
  if (a === b) return Number.NaN
  let neg = false
  const c0 = s.charCodeAt(a)
  if (c0 === MINUS || c0 === 43) {
    neg = c0 === MINUS
    a++
    if (a === b) return Number.NaN
  }
  let v = 0
  let digits = 0
  let frac = -1
  for (; a < b; a++) {
    const c = s.charCodeAt(a)
    if (c === DOT) {
      if (frac >= 0 || digits === 0) return Number.NaN
      frac = 0
      continue
    }
    const d = c - 48
    if (d < 0 || d > 9) return Number.NaN
    digits++
    if (frac >= 0) {
      if (frac >= decimals) {
        if (d !== 0) return Number.NaN
        continue
      }
      frac++
    }
    v = v * 10 + d
  }
  if (digits === 0 || frac === 0) return Number.NaN
  for (let f = Math.max(frac, 0); f < decimals; f++) v *= 10
  if (!Number.isSafeInteger(v)) return Number.NaN
  return neg ? -v : v
}

/** An integer or `null` (NaN) envelope field at `i`; its end, or −1 for anything else. */
const intOrNullAt = (s: string, i: number): number => {
  if (at(s, i, "null")) {
    value = Number.NaN
    return i + 4
  }
  const e = numberEnd(s, i)
  return e < 0 || Number.isNaN(value) ? -1 : e
}

const TICKER = 1
const PRICE = 2
const DELTA = 4
const SIDE = 8
const TS = 16
const COID = 32
const REQUIRED = TICKER | PRICE | DELTA | SIDE

/** The `msg` field named by `s[a, a + len)`: one of the bits above, or 0 for a field the feed does not read. */
const fieldOf = (s: string, a: number, len: number): number => {
  switch (len) {
    case 13: {
      const c = s.charCodeAt(a)
      if (c === 109) return at(s, a, "market_ticker") ? TICKER : 0
      if (c === 112) return at(s, a, "price_dollars") ? PRICE : 0
      return 0
    }
    case 8:
      return s.charCodeAt(a) === 100 && at(s, a, "delta_fp") ? DELTA : 0
    case 4:
      return s.charCodeAt(a) === 115 && at(s, a, "side") ? SIDE : 0
    case 5:
      return s.charCodeAt(a) === 116 && at(s, a, "ts_ms") ? TS : 0
    case 15:
      return s.charCodeAt(a) === 99 && at(s, a, "client_order_id") ? COID : 0
    default:
      return 0
  }
}

/**
 * The closing quote of a string whose content starts at `a`, or −1 when it is unterminated or holds an escape
 * or a raw control character (JSON forbids those; either way the general path decides). Every string the
 * scanner passes goes through here, and outside strings it accepts only exact punctuation, numbers and
 * literals, so no whole-frame check is needed.
 */
const stringEnd = (s: string, a: number): number => {
  for (let k = a; ; k++) {
    const c = s.charCodeAt(k)
    if (c === QUOTE) return k
    if (!(c >= 32) || c === BACKSLASH) return -1 // NaN (the end) fails `c >= 32` too
  }
}

export const scanDelta = (raw: string, out: ScannedDelta): boolean => {
  if (!at(raw, 0, HEAD)) return false
  let i = intOrNullAt(raw, HEAD.length)
  if (i < 0) return false
  out.sid = value
  if (!at(raw, i, SEQ)) return false
  i = intOrNullAt(raw, i + SEQ.length)
  if (i < 0) return false
  out.seq = value
  if (!at(raw, i, MSG)) return false
  i += MSG.length
  out.tsMs = Number.NaN
  let seen = 0
  for (;;) {
    // "key":
    if (raw.charCodeAt(i) !== QUOTE) return false
    const ka = i + 1
    const ke = stringEnd(raw, ka)
    if (ke < 0 || raw.charCodeAt(ke + 1) !== COLON) return false
    const field = fieldOf(raw, ka, ke - ka)
    i = ke + 2
    if (raw.charCodeAt(i) === QUOTE) {
      // a string value (no escapes or control characters)
      const va = i + 1
      const ve = stringEnd(raw, va)
      if (ve < 0) return false
      i = ve + 1
      switch (field) {
        case TICKER:
          out.tickerStart = va
          out.tickerEnd = ve
          break
        case PRICE:
          out.pips = unitsAt(raw, va, ve, 4)
          if (Number.isNaN(out.pips)) return false
          break
        case DELTA:
          out.lots = unitsAt(raw, va, ve, 2)
          if (Number.isNaN(out.lots)) return false
          break
        case SIDE:
          if (ve - va === 3 && at(raw, va, "yes")) out.yes = true
          else if (ve - va === 2 && at(raw, va, "no")) out.yes = false
          else return false
          break
        case TS:
          return false // a string where a number belongs: the schema's verdict
      }
    } else {
      // a number or a literal; objects and arrays are not handled
      const c = raw.charCodeAt(i)
      const isNumber = c === MINUS || isDigit(c)
      const e = isNumber ? numberEnd(raw, i) : literalEnd(raw, i)
      if (e < 0) return false
      const isNull = c === 110
      switch (field) {
        case TS:
          if (isNull) out.tsMs = Number.NaN
          else if (isNumber && !Number.isNaN(value)) out.tsMs = value
          else return false
          break
        case COID:
          if (!isNull) return false
          break
        case 0:
          break
        default:
          return false // the required fields are strings
      }
      i = e
    }
    if (field !== 0) {
      if ((seen & field) !== 0) return false // a duplicate: JSON.parse would keep the last one
      seen |= field
    }
    const d = raw.charCodeAt(i)
    i++
    if (d === COMMA) continue
    if (d === CLOSE) break
    return false
  }
  return raw.charCodeAt(i) === CLOSE && i + 1 === raw.length && (seen & REQUIRED) === REQUIRED
}
