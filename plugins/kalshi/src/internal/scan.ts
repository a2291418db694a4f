/**
 * A strict scanner for the hot frame, `orderbook_delta`, read straight off the WebSocket string: no
 * `JSON.parse`, no schema, no allocation but the ticker slice. It reads a JSON object with any key order and
 * any whitespace, validates every token it passes (strings, numbers by JSON's grammar, literals) and every
 * field it uses (types; fixed-point strings → integer $0.0001 units and 0.01-contract lots, exactly: no
 * binary fractions), and gives up (`false`) on anything it does not fully understand — escapes, nested
 * values in unknown fields, non-integer envelope numbers, duplicate keys, sub-unit precision, another frame
 * type. The caller then takes the general path (`JSON.parse` + the `wire` schemas), which decides what the
 * frame is; so the scanner never changes a result, it only skips work (checked against `JSON.parse` by the
 * property tests in `test/Frames.test.ts`).
 */

/** Where a scanned delta's fields landed (one instance reused per connection). */
export interface ScannedDelta {
  /** envelope `sid`/`seq`: NaN when absent or null */
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
const BACKSLASH = 92
const COMMA = 44
const COLON = 58
const OPEN = 123
const CLOSE = 125
const MINUS = 45
const DOT = 46

// scanner state (module-local: the scan is synchronous and not re-entrant)
let s = ""
let i = 0
let end = 0
/** start/end of the last string read */
let strA = 0
let strB = 0
/** the last integer read */
let int = 0

const ws = (): void => {
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c === 32 || c === 10 || c === 13 || c === 9) i++
    else return
  }
}

/** A string without escapes or control characters; sets strA/strB (content span). */
const str = (): boolean => {
  if (s.charCodeAt(i) !== QUOTE) return false
  const a = ++i
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c === QUOTE) {
      strA = a
      strB = i
      i++
      return true
    }
    if (c === BACKSLASH || c < 32) return false
    i++
  }
  return false
}

const digit = (c: number): boolean => c >= 48 && c <= 57

/** A JSON number (any form), skipped; `isInt` afterwards tells whether it was a plain safe integer (in `int`). */
let isInt = false
const num = (): boolean => {
  const a = i
  let neg = false
  if (s.charCodeAt(i) === MINUS) {
    neg = true
    i++
  }
  let c = s.charCodeAt(i)
  if (!digit(c)) return false
  let v = 0
  let n = 0
  if (c === 48) {
    i++
  } else {
    while (i < end) {
      const d = s.charCodeAt(i) - 48
      if (d < 0 || d > 9) break
      v = v * 10 + d
      n++
      i++
    }
  }
  isInt = true
  if (s.charCodeAt(i) === DOT) {
    isInt = false
    i++
    if (!digit(s.charCodeAt(i))) return false
    while (i < end && digit(s.charCodeAt(i))) i++
  }
  c = s.charCodeAt(i)
  if (c === 101 || c === 69) {
    isInt = false
    i++
    c = s.charCodeAt(i)
    if (c === 43 || c === MINUS) i++
    if (!digit(s.charCodeAt(i))) return false
    while (i < end && digit(s.charCodeAt(i))) i++
  }
  if (isInt && n > 15) isInt = false // beyond what is certainly a safe integer: let JSON.parse judge
  int = neg ? -v : v
  return i > a
}

const lit = (word: string): boolean => {
  if (!s.startsWith(word, i)) return false
  i += word.length
  return true
}

const NULL = 0
const STRING = 1
const NUMBER = 2
const BOOL = 3
/** A primitive value (string, number, true/false, null); its kind, or -1 (objects and arrays are not handled). */
const primitive = (): number => {
  const c = s.charCodeAt(i)
  if (c === QUOTE) return str() ? STRING : -1
  if (c === MINUS || digit(c)) return num() ? NUMBER : -1
  if (c === 110) return lit("null") ? NULL : -1
  if (c === 116) return lit("true") ? BOOL : -1
  if (c === 102) return lit("false") ? BOOL : -1
  return -1
}

/** Is the last string read exactly `word`? */
const strIs = (word: string): boolean => strB - strA === word.length && s.startsWith(word, strA)

/** The last string read as integer units at `decimals` places (the `Decimal.parseUnits` rules); NaN if not exact. */
const units = (decimals: number): number => {
  let k = strA
  const n = strB
  if (k === n) return Number.NaN
  let neg = false
  const c0 = s.charCodeAt(k)
  if (c0 === MINUS || c0 === 43) {
    neg = c0 === MINUS
    k++
    if (k === n) return Number.NaN
  }
  let v = 0
  let digits = 0
  let frac = -1
  for (; k < n; k++) {
    const c = s.charCodeAt(k)
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

/** `"key":` — sets strA/strB to the key and leaves `i` at the value. */
const key = (): boolean => {
  ws()
  if (!str()) return false
  ws()
  if (s.charCodeAt(i) !== COLON) return false
  i++
  ws()
  return true
}

/** After a member: `,` (more: true) or `}` (done: false, i past it); -1 on anything else. */
const next = (): number => {
  ws()
  const c = s.charCodeAt(i)
  i++
  if (c === COMMA) return 1
  if (c === CLOSE) return 0
  return -1
}

/** An integer or null field (NaN for null); false on any other value. */
const intOrNull = (): number => {
  const k = primitive()
  if (k === NULL) return Number.NaN
  if (k === NUMBER && isInt) return int
  return Number.POSITIVE_INFINITY // marker: not handled
}

const M_TICKER = 1
const M_PRICE = 2
const M_DELTA = 4
const M_SIDE = 8
const M_TS = 16
const M_COID = 32
const M_REQUIRED = M_TICKER | M_PRICE | M_DELTA | M_SIDE

const msg = (out: ScannedDelta): boolean => {
  if (s.charCodeAt(i) !== OPEN) return false
  i++
  ws()
  if (s.charCodeAt(i) === CLOSE) return false // required fields missing
  let seen = 0
  out.tsMs = Number.NaN
  for (;;) {
    if (!key()) return false
    const ka = strA
    const kl = strB - strA
    let bit = 0
    if (kl === 13 && s.startsWith("market_ticker", ka)) {
      bit = M_TICKER
      if (!str()) return false
      out.tickerStart = strA
      out.tickerEnd = strB
    } else if (kl === 13 && s.startsWith("price_dollars", ka)) {
      bit = M_PRICE
      if (!str()) return false
      out.pips = units(4)
      if (Number.isNaN(out.pips)) return false
    } else if (kl === 8 && s.startsWith("delta_fp", ka)) {
      bit = M_DELTA
      if (!str()) return false
      out.lots = units(2)
      if (Number.isNaN(out.lots)) return false
    } else if (kl === 4 && s.startsWith("side", ka)) {
      bit = M_SIDE
      if (!str()) return false
      if (strIs("yes")) out.yes = true
      else if (strIs("no")) out.yes = false
      else return false
    } else if (kl === 5 && s.startsWith("ts_ms", ka)) {
      bit = M_TS
      const v = intOrNull()
      if (v === Number.POSITIVE_INFINITY) return false
      out.tsMs = v
    } else if (kl === 15 && s.startsWith("client_order_id", ka)) {
      bit = M_COID
      const k = primitive()
      if (k !== STRING && k !== NULL) return false
    } else {
      // any other field: a primitive, skipped (but a duplicate of it is not tracked: JSON.parse keeps the last,
      // and we never read it)
      if (primitive() < 0) return false
    }
    if (bit !== 0) {
      if ((seen & bit) !== 0) return false // duplicate key: JSON.parse would keep the last one
      seen |= bit
    }
    const n = next()
    if (n < 0) return false
    if (n === 0) break
  }
  return (seen & M_REQUIRED) === M_REQUIRED
}

const E_TYPE = 1
const E_SID = 2
const E_SEQ = 4
const E_MSG = 8
const E_ID = 16

/**
 * Scans `raw` as an `orderbook_delta` frame into `out`. `true`: every field the feed uses was read and is
 * well-formed, and the frame is a plain delta (no command `id`). `false`: take the general path.
 */
export const scanDelta = (raw: string, out: ScannedDelta): boolean => {
  s = raw
  i = 0
  end = raw.length
  return envelope(out)
}

const envelope = (out: ScannedDelta): boolean => {
  ws()
  if (s.charCodeAt(i) !== OPEN) return false
  i++
  let seen = 0
  out.sid = Number.NaN
  out.seq = Number.NaN
  for (;;) {
    if (!key()) return false
    const ka = strA
    const kl = strB - strA
    let bit = 0
    if (kl === 4 && s.startsWith("type", ka)) {
      bit = E_TYPE
      if (!str() || !strIs("orderbook_delta")) return false
    } else if (kl === 3 && s.startsWith("sid", ka)) {
      bit = E_SID
      const v = intOrNull()
      if (v === Number.POSITIVE_INFINITY) return false
      out.sid = v
    } else if (kl === 3 && s.startsWith("seq", ka)) {
      bit = E_SEQ
      const v = intOrNull()
      if (v === Number.POSITIVE_INFINITY) return false
      out.seq = v
    } else if (kl === 3 && s.startsWith("msg", ka)) {
      bit = E_MSG
      if (!msg(out)) return false
    } else if (kl === 2 && s.startsWith("id", ka)) {
      bit = E_ID
      if (primitive() !== NULL) return false // a reply to a command: the general path handles it
    } else if (primitive() < 0) return false
    if (bit !== 0) {
      if ((seen & bit) !== 0) return false
      seen |= bit
    }
    const n = next()
    if (n < 0) return false
    if (n === 0) break
  }
  ws()
  return i === end && (seen & (E_TYPE | E_MSG)) === (E_TYPE | E_MSG)
}
