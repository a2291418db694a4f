/**
 * Request signing (REFERENCE §2): the three `KALSHI-ACCESS-*` headers over `timestamp_ms + METHOD + path`,
 * where path includes `/trade-api/v2` (or `/trade-api/ws/v2` for the handshake) and excludes the query.
 * RSA keys sign with RSA-PSS/SHA-256 (salt = digest length), Ed25519 keys with pure Ed25519.
 *
 * RSA-PSS costs ~0.4 ms per signature, so the hot write paths (whose signed text has no order id in it and no
 * body) are signed ahead: a small pool per path of fresh signatures with distinct timestamps, topped up in the
 * background and discarded once older than `maxAgeMs`.
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"

/** The key is missing, unreadable or not a usable private key. The message never contains key material. */
export class KalshiKeyError extends Data.TaggedError("KalshiKeyError")<{
  readonly reason: "missing" | "unreadable" | "invalid" | "unsupported"
  readonly message: string
}> {}

export type KeyType = "rsa" | "ed25519"

/** Turns an env-style value into PEM text: strips quotes, expands `\n` escapes, re-wraps one-line bodies. */
export const normalizePem = (raw: string): string => {
  let s = raw.trim()
  if ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'"))) s = s.slice(1, -1)
  s = s
    .replace(/\\r\\n/g, "\n")
    .replace(/\\n/g, "\n")
    .replace(/\r\n/g, "\n")
    .trim()
  const m = /^(-----BEGIN [A-Z0-9 ]+-----)([\s\S]*?)(-----END [A-Z0-9 ]+-----)$/.exec(s)
  if (m === null) return s
  const body = m[2]!.replace(/\s+/g, "")
  const lines = body.match(/.{1,64}/g) ?? []
  return `${m[1]}\n${lines.join("\n")}\n${m[3]}\n`
}

/** Parses PEM text into a private key; RSA (PKCS#1/PKCS#8) or Ed25519 (PKCS#8). */
export const parsePrivateKey = (pem: Redacted.Redacted<string>): Effect.Effect<crypto.KeyObject, KalshiKeyError> =>
  Effect.try({
    try: () => crypto.createPrivateKey({ key: normalizePem(Redacted.value(pem)), format: "pem" }),
    catch: (e) =>
      new KalshiKeyError({
        reason: "invalid",
        message: `the Kalshi private key is not a valid PEM private key (${(e as { code?: string }).code ?? "parse error"}); expected PKCS#1 or PKCS#8, RSA or Ed25519`
      })
  }).pipe(
    Effect.filterOrFail(
      (k) => k.asymmetricKeyType === "rsa" || k.asymmetricKeyType === "ed25519",
      (k) =>
        new KalshiKeyError({
          reason: "unsupported",
          message: `the Kalshi private key is of type ${k.asymmetricKeyType}; Kalshi accepts RSA and Ed25519 keys`
        })
    )
  )

/** Loads the key from inline PEM, else from a file path; a clear error for a missing or unreadable key. */
export const loadPrivateKey = (source: {
  readonly privateKey?: Redacted.Redacted<string> | undefined
  readonly privateKeyPath?: string | undefined
}): Effect.Effect<crypto.KeyObject, KalshiKeyError> => {
  if (source.privateKey !== undefined && Redacted.value(source.privateKey).trim() !== "") {
    return parsePrivateKey(source.privateKey)
  }
  const path = source.privateKeyPath
  if (path === undefined || path === "") {
    return Effect.fail(
      new KalshiKeyError({
        reason: "missing",
        message: "no Kalshi private key: set KALSHI_PRIVATE_KEY_PATH (a PEM file) or KALSHI_PRIVATE_KEY (PEM text)"
      })
    )
  }
  return Effect.try({
    try: () => fs.readFileSync(path, "utf8"),
    catch: (e) =>
      new KalshiKeyError({
        reason: "unreadable",
        message: `cannot read the Kalshi private key file ${path}: ${(e as { code?: string }).code ?? "read error"}`
      })
  }).pipe(Effect.flatMap((text) => parsePrivateKey(Redacted.make(text))))
}

/** Pre-sign text; the query string is never signed. */
export const presignText = (timestampMs: number, method: string, path: string): string => {
  const q = path.indexOf("?")
  return `${timestampMs}${method.toUpperCase()}${q === -1 ? path : path.slice(0, q)}`
}

/** Signs a text with the key: RSA-PSS/SHA-256 (salt = 32) or Ed25519; base64. */
export const signWith = (key: crypto.KeyObject, text: string): string =>
  key.asymmetricKeyType === "ed25519"
    ? crypto.sign(null, Buffer.from(text), key).toString("base64")
    : crypto
        .sign("sha256", Buffer.from(text), {
          key,
          padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST
        })
        .toString("base64")

export interface AuthHeaders {
  readonly "KALSHI-ACCESS-KEY": string
  readonly "KALSHI-ACCESS-TIMESTAMP": string
  readonly "KALSHI-ACCESS-SIGNATURE": string
}

export interface Signer {
  readonly keyId: string
  readonly keyType: KeyType
  /** Headers for a request at `nowMs` (uses a pre-signed entry for hot paths when one is fresh). */
  readonly headers: (method: string, path: string, nowMs: number) => AuthHeaders
  /** Signs inline, never from the pool (handshakes, tests). */
  readonly signNow: (method: string, path: string, nowMs: number) => AuthHeaders
  /** Statistics of the pre-signing pool. */
  readonly stats: () => {
    readonly hits: number
    readonly misses: number
    readonly signed: number
    /** learned paths being kept pre-signed */
    readonly learned: number
    /** paths whose last timestamp is remembered (bounded: see `nextTs`) */
    readonly timestamps: number
  }
}

interface Entry {
  readonly ts: number
  readonly sig: string
}

export interface SignerOptions {
  readonly keyId: string
  readonly key: crypto.KeyObject
  /** "METHOD path" entries signed ahead of time */
  readonly hotPaths?: ReadonlyArray<readonly [method: string, path: string]>
  readonly poolSize?: number
  /** a pre-signed entry is used only while younger than this */
  readonly maxAgeMs?: number
  /**
   * Paths learned on first use and then kept pre-signed while in use (an order's amend path: a maker amends
   * the same order again and again, and an RSA signature is ~250 µs on the decision path otherwise).
   * Bounded: at most `max` paths (least recently used leave first), each dropped after `idleMs` unused.
   */
  readonly learn?: {
    readonly matches: (methodAndPath: string) => boolean
    readonly max?: number
    readonly idleMs?: number
  }
  /** called when a pre-signed entry was used or missed (the owner tops the pool up soon, off the hot path) */
  readonly onDrained?: () => void
}

const TS_HORIZON_MS = 60_000
const TS_SWEEP_AT = 4_096

/** A signer with no background work (pool disabled). */
export const makeSync = (options: SignerOptions): Signer & { readonly topUp: (nowMs: number) => void } => {
  const { key, keyId } = options
  const keyType: KeyType = key.asymmetricKeyType === "ed25519" ? "ed25519" : "rsa"
  const poolSize = options.poolSize ?? 2
  const maxAge = options.maxAgeMs ?? 2_000
  const pools = new Map<string, Array<Entry>>()
  const lastTs = new Map<string, number>()
  for (const [m, p] of options.hotPaths ?? []) pools.set(`${m.toUpperCase()}${p}`, [])
  /** learned path → last use (ms), in recency order (oldest first) */
  const learned = new Map<string, number>()
  const learnMax = options.learn?.max ?? 64
  const learnIdle = options.learn?.idleMs ?? 30_000
  const touch = (k: string, nowMs: number): void => {
    if (learned.has(k)) learned.delete(k)
    else if (options.learn === undefined || pools.has(k) || !options.learn.matches(k)) return
    else {
      pools.set(k, [])
      if (learned.size >= learnMax) {
        const oldest = learned.keys().next().value!
        learned.delete(oldest)
        pools.delete(oldest)
      }
    }
    learned.set(k, nowMs)
  }
  let hits = 0
  let misses = 0
  let signed = 0
  const make = (ts: number, sig: string): AuthHeaders => ({
    "KALSHI-ACCESS-KEY": keyId,
    "KALSHI-ACCESS-TIMESTAMP": String(ts),
    "KALSHI-ACCESS-SIGNATURE": sig
  })
  /**
   * A timestamp not used before on this path (distinct, increasing). A path's last timestamp matters only
   * while the clock has not passed it; per-order paths (an amend, a lookup) are new all the time, so the
   * remembered ones are swept when many: those more than `TS_HORIZON_MS` old leave (a timestamp that old
   * is expired at the venue anyway). Bounded by the paths of the last minute, not by every order ever seen.
   */
  let sweepAt = TS_SWEEP_AT
  const nextTs = (k: string, now: number): number => {
    const prev = lastTs.get(k) ?? 0
    const ts = now > prev ? now : prev + 1
    lastTs.set(k, ts)
    if (lastTs.size >= sweepAt) {
      for (const [p, t] of lastTs) if (t < now - TS_HORIZON_MS) lastTs.delete(p)
      sweepAt = Math.max(TS_SWEEP_AT, lastTs.size * 2)
    }
    return ts
  }
  const signNow = (method: string, path: string, nowMs: number): AuthHeaders => {
    const q = path.indexOf("?")
    const bare = q === -1 ? path : path.slice(0, q)
    const k = `${method.toUpperCase()}${bare}`
    const ts = nextTs(k, nowMs)
    signed++
    return make(ts, signWith(key, presignText(ts, method, bare)))
  }
  const headers = (method: string, path: string, nowMs: number): AuthHeaders => {
    const q = path.indexOf("?")
    const k = `${method.toUpperCase()}${q === -1 ? path : path.slice(0, q)}`
    const pool = pools.get(k)
    touch(k, nowMs)
    if (pool !== undefined) {
      options.onDrained?.()
      while (pool.length > 0) {
        const e = pool.pop()!
        // never a timestamp in the future of the venue's view, never a stale one
        if (e.ts <= nowMs + 50 && nowMs - e.ts < maxAge) {
          hits++
          return make(e.ts, e.sig)
        }
      }
      misses++
    } else if (learned.has(k)) options.onDrained?.()
    return signNow(method, path, nowMs)
  }
  const topUp = (nowMs: number): void => {
    for (const [k, last] of learned) {
      if (nowMs - last <= learnIdle) break // recency order: the rest are newer
      learned.delete(k)
      pools.delete(k)
    }
    for (const [k, pool] of pools) {
      // drop entries that will be stale soon; newest last
      while (pool.length > 0 && nowMs - pool[0]!.ts > maxAge / 2) pool.shift()
      const size = learned.has(k) ? 1 : poolSize
      while (pool.length < size) {
        const ts = nextTs(k, nowMs)
        const method = /^[A-Z]+/.exec(k)![0]
        pool.push({ ts, sig: signWith(key, presignText(ts, method, k.slice(method.length))) })
        signed++
      }
    }
  }
  return {
    keyId,
    keyType,
    headers,
    signNow,
    stats: () => ({ hits, misses, signed, learned: learned.size, timestamps: lastTs.size }),
    topUp
  }
}

/**
 * A signer whose pools are topped up by a background fiber living in the scope: every `refreshEvery`, and
 * right after an entry is used (the request is on its socket by then), so a path written to again soon — a
 * maker amending the same order — finds a fresh signature waiting.
 */
export const make = (options: SignerOptions, refreshEvery: Duration.DurationInput = "200 millis") =>
  Effect.gen(function* () {
    const kick = yield* Queue.sliding<void>(1)
    // the callback adapter: headers() is synchronous and only signals
    const signer = makeSync({ ...options, onDrained: () => void Queue.unsafeOffer(kick, undefined) })
    if ((options.hotPaths?.length ?? 0) > 0 || options.learn !== undefined) {
      yield* Queue.take(kick).pipe(
        Effect.timeoutOption(Duration.decode(refreshEvery)),
        Effect.zipRight(Clock.currentTimeMillis),
        Effect.flatMap((now) => Effect.sync(() => signer.topUp(now))),
        Effect.forever,
        Effect.forkScoped
      )
    }
    return signer as Signer
  }) satisfies Effect.Effect<Signer, never, Scope.Scope>
