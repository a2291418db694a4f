/**
 * The recorder: the public tape of chosen Kalshi markets (`orderbook_snapshot`/`orderbook_delta` with `seq`,
 * `trade`, `ticker`, `market_lifecycle_v2`), their market definitions and incentive programs, written to a
 * tape directory (`@alpha-hunter/tape`). Raw frames are kept exactly as received, with the receive time.
 *
 * Its own WebSocket connection (signed like the Kalshi plugin's; the plugin itself reads the definitions
 * and programs through REST). Gaps are recorded, never papered over: a reconnect (with the reason), and a
 * `seq` gap on a subscription (then a fresh snapshot is asked for). Definitions and programs are re-read
 * every `refreshMs` and written again when they changed.
 */
import * as crypto from "node:crypto"
import { readFileSync } from "node:fs"
import { Exchange, Incentive, Market } from "@alpha-hunter/core"
import { KalshiConfig, KalshiExchange, KalshiSigning } from "@alpha-hunter/kalshi"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { Tape, TapeWriter } from "@alpha-hunter/tape"
import * as Socket from "@effect/platform/Socket"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as WS from "ws"
import type { MarketSelector } from "./AppConfig.js"
import { frameType, SeqWatch, tickerOf } from "./internal/tapeSeq.js"
import type { KalshiSimSection } from "./Plugins.js"
import { type Resolved, selectedSymbols } from "./Resolve.js"

export class RecordError extends Data.TaggedError("RecordError")<{ readonly message: string }> {}

export interface RecordOptions {
  /** the tape directory (created, or resumed) */
  readonly dir: string
  /** the venue of the config to record (default: the first) */
  readonly venue?: string
  readonly markets: MarketSelector
  /** re-read market definitions and programs this often (default 60 s) */
  readonly refreshMs?: number
  readonly log: (line: string) => Effect.Effect<void>
  readonly writer?: Omit<TapeWriter.WriterOptions, "meta">
}

export interface RecordHandle {
  readonly symbols: ReadonlyArray<string>
  readonly writer: TapeWriter.TapeWriter
  readonly stats: Effect.Effect<RecordStats>
}

export interface RecordStats {
  readonly frames: number
  readonly gaps: number
  readonly connects: number
  readonly writer: TapeWriter.WriterStats
}

interface Target {
  readonly config: KalshiConfig.KalshiConfig
  readonly key: crypto.KeyObject
  readonly label: string
}

/** The Kalshi endpoint and key a venue section records from (an embedded simulator is started here). */
const target = (v: Resolved["venues"][number]): Effect.Effect<Target, RecordError, Scope.Scope> =>
  Effect.gen(function* () {
    const type = v.plugin.name
    if (type === "kalshi-sim") {
      const c = v.config as typeof KalshiSimSection.Type
      const sim = yield* KalshiSim.make({
        port: c.port,
        seed: c.seed,
        markets: c.markets,
        tier: c.tier,
        flow: c.flow > 0 ? { ratePerSec: c.flow } : false
      }).pipe(Effect.mapError((e) => new RecordError({ message: e.message })))
      const generated = yield* sim.generateKey().pipe(Effect.mapError((e) => new RecordError({ message: e.message })))
      const config = yield* KalshiConfig.decode({
        restUrl: sim.restUrl,
        wsUrl: sim.wsUrl,
        apiKeyId: generated.keyId,
        privateKey: generated.privateKeyPem
      }).pipe(Effect.mapError((e) => new RecordError({ message: `simulator config: ${e.message}` })))
      return {
        config,
        key: crypto.createPrivateKey(generated.privateKeyPem),
        label: `embedded kalshi-sim (seed ${c.seed})`
      }
    }
    if (type !== "kalshi") {
      return yield* new RecordError({
        message: `venue ${v.name} (${type}) has no public feed to record; use kalshi or kalshi-sim`
      })
    }
    const config = v.config as KalshiConfig.KalshiConfig
    const pem = yield* Effect.try({
      try: () =>
        config.privateKey !== undefined
          ? Redacted.value(config.privateKey)
          : readFileSync(config.privateKeyPath ?? "", "utf8"),
      catch: () => new RecordError({ message: `venue ${v.name}: cannot read the private key` })
    })
    const key = yield* Effect.try({
      try: () => crypto.createPrivateKey(pem.replace(/\\n/g, "\n")),
      catch: () => new RecordError({ message: `venue ${v.name}: the private key is not a PEM key` })
    })
    return { config, key, label: KalshiConfig.urls(config).ws }
  })

// the venue's raw payloads stay out of the tape's definitions (the raw frames are on it)
const encodeMarket = (m: Market.Market) => {
  const { raw: _raw, ...rest } = m
  return Schema.encodeSync(Market.Market)(Market.Market.make(rest))
}
const encodeProgram = (p: Incentive.IncentiveProgram) => {
  const { raw: _raw, ...rest } = p
  return Schema.encodeSync(Incentive.IncentiveProgram)(Incentive.IncentiveProgram.make(rest))
}

/**
 * The definition records to write: the markets in `wanted` and their programs that are new or changed since
 * the last call (`last` remembers what was written, by market and by program).
 */
export const changedDefinitions = (
  last: Map<string, string>,
  wanted: ReadonlySet<string>,
  markets: ReadonlyArray<Market.Market>,
  programs: ReadonlyArray<Incentive.IncentiveProgram>,
  t: number
): Array<Tape.TapeRecord> => {
  const out: Array<Tape.TapeRecord> = []
  for (const m of markets) {
    if (!wanted.has(m.symbol)) continue
    const enc = encodeMarket(m)
    const key = JSON.stringify(enc)
    if (last.get(`m:${m.symbol}`) === key) continue
    last.set(`m:${m.symbol}`, key)
    out.push({ k: "market", t, market: enc })
  }
  for (const p of programs) {
    if (!wanted.has(p.symbol)) continue
    const enc = encodeProgram(p)
    const key = JSON.stringify(enc)
    if (last.get(`p:${p.id}`) === key) continue
    last.set(`p:${p.id}`, key)
    out.push({ k: "program", t, program: enc })
  }
  return out
}

/** Starts recording in the current scope; the tape's last chunk is written when the scope closes. */
export const start = (
  resolved: Resolved,
  options: RecordOptions
): Effect.Effect<RecordHandle, RecordError, Scope.Scope> =>
  Effect.gen(function* () {
    const v = options.venue === undefined ? resolved.venues[0] : resolved.venues.find((x) => x.name === options.venue)
    if (v === undefined) return yield* new RecordError({ message: `no venue named ${options.venue} in the config` })
    const t = yield* target(v)
    const ctx = yield* Layer.build(KalshiExchange.layerFromConfig(t.config, { venue: v.name })).pipe(
      Effect.mapError(
        (e) => new RecordError({ message: `cannot open ${v.name}: ${"message" in e ? e.message : String(e)}` })
      )
    )
    const exchange = Context.get(ctx, Exchange.Exchange)
    const programs = Context.get(ctx, Incentive.IncentivePrograms)
    const all = yield* exchange
      .fetchMarkets()
      .pipe(Effect.mapError((e) => new RecordError({ message: `cannot read markets: ${e.message}` })))
    const symbols = selectedSymbols(all, options.markets)
    const known = new Set(all.map((m) => m.symbol as string))
    const unknown = symbols.filter((s) => !known.has(s))
    if (unknown.length > 0) return yield* new RecordError({ message: `not on ${v.name}: ${unknown.join(", ")}` })
    if (symbols.length === 0) return yield* new RecordError({ message: "no market selected to record" })
    const wanted = new Set(symbols)
    const writer = yield* TapeWriter.make(options.dir, {
      ...options.writer,
      meta: { venue: v.name, source: t.label, symbols }
    }).pipe(Effect.mapError((e) => new RecordError({ message: e.message })))
    const now = Clock.currentTimeMillis

    // definitions and programs: at start, then whatever changed
    const lastDef = new Map<string, string>()
    const definitions = Effect.gen(function* () {
      const ms = yield* exchange.fetchMarkets()
      const ps = yield* programs.refresh.pipe(
        Effect.orElseSucceed(() => [] as ReadonlyArray<Incentive.IncentiveProgram>)
      )
      yield* Effect.ignore(writer.appendAll(changedDefinitions(lastDef, wanted, ms, ps, yield* now)))
    })
    yield* definitions.pipe(Effect.mapError((e) => new RecordError({ message: `cannot read markets: ${e.message}` })))
    yield* definitions.pipe(
      Effect.catchAll((e) => options.log(`[record] definitions not refreshed: ${e.message}`)),
      Effect.repeat(Schedule.spaced(options.refreshMs ?? 60_000)),
      Effect.delay(options.refreshMs ?? 60_000),
      Effect.forkScoped
    )

    // the public feed
    const stats = { frames: 0, gaps: 0, connects: 0 }
    const inbox = yield* Queue.unbounded<
      Tape.TapeRecord | { readonly k: "closed"; readonly t: number; readonly why: string }
    >()
    const clock = yield* Effect.clock
    const wsUrl = KalshiConfig.urls(t.config).ws
    const signed = (url: string, protocols?: string | Array<string>): globalThis.WebSocket => {
      const ts = clock.unsafeCurrentTimeMillis()
      const path = new URL(url).pathname
      const ws = new WS.WebSocket(url, protocols, {
        headers: {
          "KALSHI-ACCESS-KEY": t.config.apiKeyId,
          "KALSHI-ACCESS-TIMESTAMP": String(ts),
          "KALSHI-ACCESS-SIGNATURE": KalshiSigning.signWith(t.key, KalshiSigning.presignText(ts, "GET", path))
        }
      })
      return ws as unknown as globalThis.WebSocket
    }
    const socket = yield* Socket.makeWebSocket(wsUrl, { closeCodeIsError: () => true }).pipe(
      Effect.provideService(Socket.WebSocketConstructor, signed)
    )
    const write = yield* socket.writer
    const decoder = new TextDecoder()
    const onMessage = (data: string | Uint8Array): void => {
      const raw = typeof data === "string" ? data : decoder.decode(data)
      Queue.unsafeOffer(inbox, Tape.frameRecord(clock.unsafeCurrentTimeMillis(), raw.trimEnd()))
    }
    let cmd = 0
    const send = (o: Record<string, unknown>) => Effect.ignore(write(JSON.stringify({ id: ++cmd, ...o })))
    const subscribe = Effect.gen(function* () {
      stats.connects++
      const tickers = [...symbols]
      yield* send({
        cmd: "subscribe",
        params: { channels: ["orderbook_delta"], market_tickers: tickers, use_yes_price: true }
      })
      yield* send({ cmd: "subscribe", params: { channels: ["trade", "ticker"], market_tickers: tickers } })
      yield* send({ cmd: "subscribe", params: { channels: ["market_lifecycle_v2"] } })
    })
    yield* socket.runRaw(onMessage, { onOpen: subscribe }).pipe(
      Effect.either,
      Effect.flatMap((r) =>
        Effect.flatMap(now, (t) =>
          Queue.offer(inbox, { k: "closed", t, why: r._tag === "Left" ? r.left.message : "closed" })
        )
      ),
      Effect.repeat(Schedule.exponential("250 millis").pipe(Schedule.union(Schedule.spaced("10 seconds")))),
      Effect.forkScoped
    )

    // per subscription: its channel and last seq (the gap rule shared with the recorder beside the bot)
    const seqs = new SeqWatch()
    const wantedSet: ReadonlySet<string> = new Set(symbols)
    yield* Effect.gen(function* () {
      const batch = yield* Queue.takeAll(inbox).pipe(
        Effect.flatMap((c) => (c.length === 0 ? Effect.map(Queue.take(inbox), (x) => [x]) : Effect.succeed([...c])))
      )
      const out: Array<Tape.TapeRecord> = []
      for (const r of batch) {
        if (r.k === "closed") {
          stats.gaps++
          seqs.reset()
          out.push({ k: "gap", t: r.t, reason: `disconnected (${r.why}); resubscribing, fresh snapshots follow` })
          continue
        }
        if (r.k !== "frame") continue
        stats.frames++
        const gap = seqs.observe(r, frameType(r.raw), tickerOf(r.raw), wantedSet)
        if (gap !== undefined) {
          stats.gaps++
          out.push({
            k: "gap",
            t: r.t,
            reason: gap.reason,
            ...(gap.symbols.length > 0 ? { symbols: gap.symbols } : {})
          })
          // a book's gap: ask its subscription for fresh snapshots (no feed here heals it)
          if (gap.channel === "orderbook_delta") {
            yield* send({
              cmd: "update_subscription",
              params: {
                sid: gap.sid,
                action: "get_snapshot",
                market_tickers: gap.symbols.length > 0 ? gap.symbols : [...symbols]
              }
            })
          }
        }
        out.push(r)
      }
      yield* Effect.ignore(writer.appendAll(out))
    }).pipe(Effect.forever, Effect.forkScoped)

    yield* options.log(
      `[record] ${v.name} (${t.label}): ${symbols.length} markets (${symbols.slice(0, 6).join(", ")}${symbols.length > 6 ? ", …" : ""}) → ${options.dir}`
    )
    return {
      symbols,
      writer,
      stats: Effect.map(writer.stats, (w) => ({ ...stats, writer: w }))
    } satisfies RecordHandle
  })
