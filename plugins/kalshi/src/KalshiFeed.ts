/**
 * Kalshi's WebSocket feed (REFERENCE §9): one authenticated connection carrying order books
 * (`orderbook_delta` with `use_yes_price`), our orders (`user_orders`), fills (`fill`), positions
 * (`market_positions`) and market lifecycle (`market_lifecycle_v2`).
 *
 * Integrity rules:
 * - every handshake is signed afresh (a `ws` constructor that signs each connect);
 * - `seq` is tracked per `sid`; a gap, a reordering, an impossible delta, a malformed book frame or a terminal
 *   channel error (codes 10, 17, 25) marks the affected books INVALID (never emitted, never quoted on) and
 *   starts one single-flight recovery: `get_snapshot`, else unsubscribe + subscribe, else reconnect;
 * - a staleness watchdog probes a silent connection and reconnects when the probe goes unanswered;
 * - any close (clean or not) reconnects with jittered exponential backoff, then resubscribes and rebuilds;
 * - pings are answered by `ws` itself (auto-pong) and count as liveness;
 * - malformed frames are logged and skipped; they never end the feed.
 */
import { Decimal as D, type ExchangeError, Ids, OrderBook, type TickGrid } from "@alpha-hunter/core"
import * as Socket from "@effect/platform/Socket"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as WS from "ws"
import { bookLevelYesPrice } from "./internal/parse.js"
import type { Signer } from "./internal/sign.js"
import * as wire from "./internal/wire.js"
import type { FeedConfig } from "./KalshiConfig.js"

export type ConnectionState = "connecting" | "open" | "closed"

export interface FeedStats {
  connects: number
  closes: number
  frames: number
  malformed: number
  gaps: number
  invalidations: number
  recoveries: number
  snapshotRecoveries: number
  resubscribeRecoveries: number
  reconnectRecoveries: number
  probes: number
  terminalErrors: number
  lastHandshakeError: string | undefined
}

export type PrivateEvent =
  | { readonly _tag: "UserOrder"; readonly order: wire.WsUserOrder }
  | { readonly _tag: "Fill"; readonly fill: typeof wire.WsFill.Type }
  | { readonly _tag: "Position"; readonly position: typeof wire.WsMarketPosition.Type }
  | { readonly _tag: "Lifecycle"; readonly lifecycle: typeof wire.WsLifecycle.Type }
  /** the private stream may have lost messages (gap, terminal error, reconnect): reconcile from REST */
  | { readonly _tag: "PrivateGap"; readonly reason: string; readonly channel: string }
  | { readonly _tag: "Connected"; readonly reconnect: boolean }
  /** an open connection ended (it is being re-established) */
  | { readonly _tag: "Disconnected"; readonly reason: string }

export interface BookInfo {
  readonly valid: boolean
  readonly sid: number | undefined
  readonly sequence: number
  readonly lastUpdateMs: number
}

export interface KalshiFeed {
  readonly state: SubscriptionRef.SubscriptionRef<ConnectionState>
  /**
   * Snapshot (once valid) then every change, as Decimal books; invalid books are not emitted until healed.
   * Decimal books are built only while at least one such stream is open.
   */
  readonly book: (
    symbol: string,
    grid: TickGrid.TickGrid
  ) => Stream.Stream<OrderBook.OrderBook, ExchangeError.ExchangeError>
  /**
   * The integer view (once valid) then its changes, latest wins: each delta only signals; the immutable
   * `BookView` is copied from the ladder when the consumer pulls. Invalid books are not emitted until healed.
   */
  readonly view: (symbol: string, grid: TickGrid.TickGrid) => Stream.Stream<OrderBook.BookView>
  /** Current valid book, if any. */
  readonly currentBook: (symbol: string) => Effect.Effect<Option.Option<OrderBook.OrderBook>>
  readonly bookInfo: (symbol: string) => Effect.Effect<Option.Option<BookInfo>>
  /** Private events, in venue order (never dropped). */
  readonly events: Stream.Stream<PrivateEvent>
  readonly subscribeEvents: Effect.Effect<Queue.Dequeue<PrivateEvent>, never, Scope.Scope>
  /** Forces a reconnect (closes the current socket). */
  readonly reconnect: Effect.Effect<void>
  /** Replaces a book's grid (price structure change); the book is rebuilt from a snapshot. */
  readonly regrid: (symbol: string, grid: TickGrid.TickGrid) => Effect.Effect<void>
  readonly stats: () => FeedStats
  /** ms since the last frame or ping */
  readonly lastActivity: Effect.Effect<number>
}

export interface FeedOptions {
  readonly url: string
  readonly signer: Signer
  readonly config: FeedConfig
  readonly useYesPrice?: boolean
  /** subscribe to the private channels (user_orders, fill, market_positions) */
  readonly privateChannels?: boolean
}

interface Book {
  readonly symbol: string
  readonly sym: Ids.Symbol
  grid: TickGrid.TickGrid
  /** owned by the processor fiber; other fibers only copy it synchronously (`OrderBook.pullLatest`) */
  ladder: OrderBook.BookLadder
  valid: boolean
  sid: number | undefined
  lastUpdate: number
  /** Decimal books, published only while `decimalReaders` > 0 */
  readonly hub: PubSub.PubSub<OrderBook.OrderBook>
  decimalReaders: number
  /** one signal per change, latest wins (sliding, capacity 1): the integer views are taken on pull */
  readonly changed: PubSub.PubSub<void>
}

const TERMINAL = new Set([10, 17, 25])
const LOT = D.d("0.01")
const toLots = (count: D.Decimal): number => Number(D.divToInt(count, LOT, "half-even"))

/** The WebSocket envelope every frame is decoded with (exported so benchmarks measure the real one). */
export const Frame = wire.Frame
const decodeFrame = Schema.decodeUnknownEither(Frame)
const decodeSnapshot = Schema.decodeUnknownEither(wire.WsBookSnapshot)
const decodeDelta = Schema.decodeUnknownEither(wire.WsBookDelta)
const decodeUserOrder = Schema.decodeUnknownEither(wire.WsUserOrder)
const decodeFill = Schema.decodeUnknownEither(wire.WsFill)
const decodePosition = Schema.decodeUnknownEither(wire.WsMarketPosition)
const decodeLifecycle = Schema.decodeUnknownEither(wire.WsLifecycle)
const decodeSubscribed = Schema.decodeUnknownEither(wire.WsSubscribed)
const decodeWsError = Schema.decodeUnknownEither(wire.WsError)

/** A `ws` constructor that signs every handshake (REFERENCE §2.2) and records pings and handshake errors. */
const signedConstructor =
  (signer: Signer, now: () => number, onPing: () => void, onError: (m: string) => void) =>
  (url: string, protocols?: string | Array<string>): globalThis.WebSocket => {
    const path = new URL(url).pathname
    const headers = signer.signNow("GET", path, now())
    const ws = new WS.WebSocket(url, protocols, { headers: headers as unknown as Record<string, string> })
    ws.on("ping", onPing)
    ws.on("error", (e) => onError(e.message))
    return ws as unknown as globalThis.WebSocket
  }

export const make = (options: FeedOptions): Effect.Effect<KalshiFeed, never, Scope.Scope> =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const cfg = options.config
    const useYes = options.useYesPrice ?? true
    const privateChannels = options.privateChannels ?? true
    const state = yield* SubscriptionRef.make<ConnectionState>("connecting")
    const stats: FeedStats = {
      connects: 0,
      closes: 0,
      frames: 0,
      malformed: 0,
      gaps: 0,
      invalidations: 0,
      recoveries: 0,
      snapshotRecoveries: 0,
      resubscribeRecoveries: 0,
      reconnectRecoveries: 0,
      probes: 0,
      terminalErrors: 0,
      lastHandshakeError: undefined
    }
    let lastActivity = now()
    const books = new Map<string, Book>()
    const privateHub = yield* PubSub.unbounded<PrivateEvent>()
    const inbox = yield* Queue.unbounded<string>()
    const recoverKick = yield* Queue.sliding<void>(1)

    // ---- per-connection state (reset on open) ----
    let connected = false
    let nextId = 1
    const sidChannel = new Map<number, string>()
    const lastSeq = new Map<number, number>()
    const cmdChannels = new Map<number, ReadonlyArray<string>>()
    const replies = new Map<number, Deferred.Deferred<unknown>>()
    let kill: Deferred.Deferred<void, Socket.SocketError> | undefined
    let everConnected = false

    const socket = yield* Socket.makeWebSocket(options.url, {
      closeCodeIsError: () => true,
      openTimeout: cfg.probeTimeoutMs
    }).pipe(
      Effect.provideService(
        Socket.WebSocketConstructor,
        signedConstructor(
          options.signer,
          now,
          () => {
            lastActivity = now()
          },
          (m) => {
            stats.lastHandshakeError = m
          }
        )
      )
    )
    const write = yield* socket.writer

    const send = (cmd: string, params: Record<string, unknown>, channels: ReadonlyArray<string> = []) =>
      Effect.suspend(() => {
        if (!connected) return Effect.succeed(-1)
        const id = nextId++
        if (channels.length > 0) cmdChannels.set(id, channels)
        return write(JSON.stringify({ id, cmd, params })).pipe(
          Effect.as(id),
          Effect.catchAll((e) => Effect.logWarning(`kalshi ws: write failed: ${e.message}`).pipe(Effect.as(-1)))
        )
      })

    /** Sends a command and waits (bounded) for its reply. */
    const ask = (cmd: string, params: Record<string, unknown>, channels: ReadonlyArray<string> = []) =>
      Effect.gen(function* () {
        const d = yield* Deferred.make<unknown>()
        const id = yield* send(cmd, params, channels)
        if (id < 0) return Option.none<unknown>()
        replies.set(id, d)
        const r = yield* Deferred.await(d).pipe(Effect.timeout(cfg.probeTimeoutMs), Effect.option)
        replies.delete(id)
        return r
      })

    const bookTickers = (sid?: number) =>
      [...books.values()].filter((b) => sid === undefined || b.sid === sid || b.sid === undefined).map((b) => b.symbol)

    const subscribeBooks = (tickers: ReadonlyArray<string>) =>
      tickers.length === 0
        ? Effect.succeed(-1)
        : send("subscribe", { channels: ["orderbook_delta"], market_tickers: tickers, use_yes_price: useYes }, [
            "orderbook_delta"
          ])

    const invalidate = (b: Book, why: string) =>
      Effect.suspend(() => {
        if (!b.valid) return Effect.void
        b.valid = false
        stats.invalidations++
        Queue.unsafeOffer(recoverKick, undefined)
        return Effect.logWarning(`kalshi ws: book ${b.symbol} INVALID (${why}); recovering`)
      })

    /** A change: wake the integer views; build a Decimal book only when someone reads Decimal books. */
    const emit = (b: Book): Effect.Effect<void> => {
      const wake = PubSub.publish(b.changed, undefined)
      return b.decimalReaders > 0
        ? Effect.zipRight(wake, PubSub.publish(b.hub, b.ladder.toOrderBook(b.sym, b.grid, LOT))).pipe(Effect.asVoid)
        : Effect.asVoid(wake)
    }

    // ---- frame handling (one fiber, venue order) ----

    const onSnapshot = (sid: number | undefined, seq: number | undefined, msg: unknown) =>
      Effect.gen(function* () {
        const r = decodeSnapshot(msg)
        if (r._tag === "Left") {
          stats.malformed++
          return yield* Effect.logWarning(`kalshi ws: malformed orderbook_snapshot skipped: ${r.left.message}`)
        }
        const s = r.right
        const b = books.get(s.market_ticker)
        if (b === undefined) return
        const ladder = new OrderBook.BookLadder(b.grid.size)
        let ok = true
        for (const [p, c] of s.yes_dollars_fp ?? []) {
          const l = b.grid.levelOf(p)
          if (l < 0) ok = false
          else ladder.setBid(l, toLots(c))
        }
        for (const [p, c] of s.no_dollars_fp ?? []) {
          const l = b.grid.levelOf(bookLevelYesPrice("no", p, useYes))
          if (l < 0) ok = false
          else ladder.setAsk(l, toLots(c))
        }
        if (!ok) {
          stats.malformed++
          b.valid = true // so invalidate() logs and kicks recovery
          return yield* invalidate(b, "snapshot price off the market's grid")
        }
        ladder.sequence = seq ?? 0
        ladder.timestamp = now()
        ladder.version += b.ladder.version + 1 // views of this book keep growing versions
        b.ladder = ladder
        b.sid = sid
        b.lastUpdate = now()
        const wasValid = b.valid
        b.valid = true
        if (!wasValid) yield* Effect.logDebug(`kalshi ws: book ${b.symbol} valid (snapshot seq ${seq ?? "-"})`)
        yield* emit(b)
      })

    /** Applies a delta to a valid book at a grid level (lots signed). */
    const applyDelta = (
      b: Book,
      seq: number | undefined,
      yes: boolean,
      level: number,
      lots: number,
      ts: number | undefined
    ) => {
      const current = yes ? b.ladder.bids[level]! : b.ladder.asks[level]!
      if (current + lots < 0) return invalidate(b, "delta removes more than the level holds")
      if (yes) b.ladder.addBid(level, lots)
      else b.ladder.addAsk(level, lots)
      b.ladder.sequence = seq ?? b.ladder.sequence + 1
      const t = now()
      b.ladder.timestamp = ts ?? t
      b.lastUpdate = t
      return emit(b)
    }

    /**
     * The hot path: a well-formed delta is applied with integer arithmetic only (price in $0.0001 units,
     * size in 0.01-contract lots, level from the grid's unit table). Anything unusual takes the schema path.
     */
    const onDelta = (seq: number | undefined, msg: unknown): Effect.Effect<void> => {
      const m = msg as {
        market_ticker?: unknown
        price_dollars?: unknown
        delta_fp?: unknown
        side?: unknown
        ts_ms?: unknown
      } | null
      if (
        m === null ||
        typeof m !== "object" ||
        typeof m.market_ticker !== "string" ||
        typeof m.price_dollars !== "string" ||
        typeof m.delta_fp !== "string" ||
        (m.side !== "yes" && m.side !== "no") ||
        (m.ts_ms !== undefined && typeof m.ts_ms !== "number")
      ) {
        return onDeltaDecoded(seq, msg)
      }
      const b = books.get(m.market_ticker)
      if (b === undefined || !b.valid) return Effect.void
      const table = b.grid.unitIndex(4)
      const pips = D.parseUnits(m.price_dollars, 4)
      const lots = D.parseUnits(m.delta_fp, 2)
      if (table === undefined || Number.isNaN(pips) || Number.isNaN(lots)) return onDeltaDecoded(seq, msg)
      const yes = m.side === "yes"
      const yesPips = yes || useYes ? pips : 10_000 - pips
      const level = yesPips >= 0 && yesPips < table.length ? table[yesPips]! : -1
      if (level < 0) return invalidate(b, `delta price ${m.price_dollars} off the grid`)
      return applyDelta(b, seq, yes, level, lots, m.ts_ms as number | undefined)
    }

    const onDeltaDecoded = (seq: number | undefined, msg: unknown) =>
      Effect.gen(function* () {
        const r = decodeDelta(msg)
        if (r._tag === "Left") {
          stats.malformed++
          const ticker = (msg as { market_ticker?: unknown } | null)?.market_ticker
          const b = typeof ticker === "string" ? books.get(ticker) : undefined
          yield* Effect.logWarning(`kalshi ws: malformed orderbook_delta skipped: ${r.left.message}`)
          if (b !== undefined) yield* invalidate(b, "malformed delta")
          return
        }
        const d = r.right
        const b = books.get(d.market_ticker)
        if (b === undefined || !b.valid) return
        const price = bookLevelYesPrice(d.side, d.price_dollars, useYes)
        const level = b.grid.levelOf(price)
        if (level < 0) return yield* invalidate(b, `delta price ${D.format(price)} off the grid`)
        yield* applyDelta(b, seq, d.side === "yes", level, toLots(d.delta_fp), d.ts_ms ?? undefined)
      })

    const onGap = (sid: number, expected: number, got: number) =>
      Effect.gen(function* () {
        stats.gaps++
        const channel = sidChannel.get(sid)
        yield* Effect.logWarning(
          `kalshi ws: seq gap on sid ${sid} (${channel ?? "?"}): expected ${expected}, got ${got}`
        )
        if (channel === "orderbook_delta" || channel === undefined) {
          for (const b of books.values()) if (b.sid === sid) yield* invalidate(b, `seq gap ${expected}→${got}`)
        }
        if (channel !== "orderbook_delta") {
          yield* PubSub.publish(privateHub, {
            _tag: "PrivateGap",
            reason: `seq gap on ${channel ?? "?"}`,
            channel: channel ?? "?"
          })
        }
      })

    const handle = (raw: string) =>
      Effect.gen(function* () {
        stats.frames++
        lastActivity = now()
        let json: unknown
        try {
          json = JSON.parse(raw)
        } catch {
          stats.malformed++
          return yield* Effect.logWarning(`kalshi ws: non-JSON frame skipped (${raw.length} bytes)`)
        }
        const fr = decodeFrame(json)
        if (fr._tag === "Left") {
          stats.malformed++
          return yield* Effect.logWarning(`kalshi ws: malformed frame skipped: ${fr.left.message.slice(0, 300)}`)
        }
        const f = fr.right
        const sid = f.sid ?? undefined
        const seq = f.seq ?? undefined
        if (f.id !== undefined && f.id !== null && replies.has(f.id) && f.type !== "subscribed") {
          Deferred.unsafeDone(replies.get(f.id)!, Effect.succeed(f))
        }
        // sequence tracking, per sid
        if (sid !== undefined && seq !== undefined) {
          const prev = lastSeq.get(sid)
          const isSnapshot = f.type === "orderbook_snapshot"
          if (prev !== undefined && seq !== prev + 1 && !(isSnapshot && seq > prev)) yield* onGap(sid, prev + 1, seq)
          lastSeq.set(sid, seq)
        }
        switch (f.type) {
          case "subscribed": {
            const s = decodeSubscribed(f.msg)
            if (s._tag === "Right") sidChannel.set(s.right.sid, s.right.channel)
            if (f.id !== undefined && f.id !== null && replies.has(f.id)) {
              Deferred.unsafeDone(replies.get(f.id)!, Effect.succeed(f))
            }
            return
          }
          case "orderbook_snapshot":
            return yield* onSnapshot(sid, seq, f.msg)
          case "orderbook_delta":
            return yield* onDelta(seq, f.msg)
          case "user_order": {
            const r = decodeUserOrder(f.msg)
            if (r._tag === "Left") {
              stats.malformed++
              yield* PubSub.publish(privateHub, {
                _tag: "PrivateGap",
                reason: "malformed user_order",
                channel: "user_orders"
              })
              return yield* Effect.logWarning(`kalshi ws: malformed user_order skipped: ${r.left.message}`)
            }
            return yield* PubSub.publish(privateHub, { _tag: "UserOrder", order: r.right })
          }
          case "fill": {
            const r = decodeFill(f.msg)
            if (r._tag === "Left") {
              stats.malformed++
              yield* PubSub.publish(privateHub, { _tag: "PrivateGap", reason: "malformed fill", channel: "fill" })
              return yield* Effect.logWarning(`kalshi ws: malformed fill skipped: ${r.left.message}`)
            }
            return yield* PubSub.publish(privateHub, { _tag: "Fill", fill: r.right })
          }
          case "market_position": {
            const r = decodePosition(f.msg)
            if (r._tag === "Left") {
              stats.malformed++
              return yield* Effect.logWarning(`kalshi ws: malformed market_position skipped: ${r.left.message}`)
            }
            return yield* PubSub.publish(privateHub, { _tag: "Position", position: r.right })
          }
          case "market_lifecycle_v2": {
            const r = decodeLifecycle(f.msg)
            if (r._tag === "Left") {
              stats.malformed++
              return yield* Effect.logWarning(`kalshi ws: malformed lifecycle skipped: ${r.left.message}`)
            }
            return yield* PubSub.publish(privateHub, { _tag: "Lifecycle", lifecycle: r.right })
          }
          case "error": {
            const e = decodeWsError(f.msg)
            const code = e._tag === "Right" ? e.right.code : -1
            const text = e._tag === "Right" ? (e.right.msg ?? "") : "?"
            const channels = (f.id !== undefined && f.id !== null ? cmdChannels.get(f.id) : undefined) ?? []
            if (TERMINAL.has(code)) {
              stats.terminalErrors++
              yield* Effect.logWarning(`kalshi ws: terminal error ${code} (${text}) on [${channels.join(",")}]`)
              const affectsBooks = channels.length === 0 || channels.includes("orderbook_delta")
              if (affectsBooks) for (const b of books.values()) yield* invalidate(b, `terminal channel error ${code}`)
              if (channels.length === 0 || channels.some((c) => c !== "orderbook_delta")) {
                yield* PubSub.publish(privateHub, {
                  _tag: "PrivateGap",
                  reason: `terminal error ${code}`,
                  channel: channels.filter((c) => c !== "orderbook_delta").join(",") || "?"
                })
                if (privateChannels) yield* subscribePrivate
              }
            } else {
              yield* Effect.logWarning(`kalshi ws: error ${code} (${text}) for command ${f.id ?? "-"}`)
            }
            return
          }
          default:
            return // ok, unsubscribed, list replies, ticker, trade: nothing to do
        }
      })

    const subscribePrivate = Effect.gen(function* () {
      yield* send("subscribe", { channels: ["user_orders", "fill", "market_positions"] }, [
        "user_orders",
        "fill",
        "market_positions"
      ])
    })

    const onOpen = Effect.gen(function* () {
      connected = true
      nextId = 1
      sidChannel.clear()
      lastSeq.clear()
      cmdChannels.clear()
      stats.connects++
      lastActivity = now()
      for (const b of books.values()) {
        b.valid = false
        b.sid = undefined
      }
      if (privateChannels) yield* subscribePrivate
      yield* send("subscribe", { channels: ["market_lifecycle_v2"] }, ["market_lifecycle_v2"])
      yield* subscribeBooks(bookTickers())
      yield* SubscriptionRef.set(state, "open")
      yield* PubSub.publish(privateHub, { _tag: "Connected", reconnect: everConnected })
      everConnected = true
    })

    // ---- connection loop: reconnect on any close, with jittered exponential backoff ----
    const connectOnce = Effect.gen(function* () {
      const k = yield* Deferred.make<void, Socket.SocketError>()
      kill = k
      yield* SubscriptionRef.set(state, "connecting")
      const started = now()
      const r = yield* socket
        .runRaw(
          (data) => {
            Queue.unsafeOffer(inbox, typeof data === "string" ? data : new TextDecoder().decode(data))
          },
          { onOpen }
        )
        .pipe(Effect.raceFirst(Deferred.await(k)), Effect.either)
      const wasOpen = connected
      connected = false
      stats.closes++
      yield* SubscriptionRef.set(state, "closed")
      for (const b of books.values()) b.valid = false
      const reason = r._tag === "Left" ? r.left.message : "closed"
      yield* Effect.logWarning(
        `kalshi ws: connection ended (${reason}${stats.lastHandshakeError ? `; last error: ${stats.lastHandshakeError}` : ""}); reconnecting`
      )
      if (wasOpen) yield* PubSub.publish(privateHub, { _tag: "Disconnected", reason })
      return now() - started
    })

    yield* Effect.gen(function* () {
      let failures = 0
      while (true) {
        const lived = yield* connectOnce
        failures = lived > 30_000 ? 1 : failures + 1
        const base = Math.min(cfg.reconnectMaxMs, cfg.reconnectBaseMs * 2 ** (failures - 1))
        const delay = base * (0.5 + (yield* Random.next) / 2)
        yield* Effect.sleep(delay)
      }
    }).pipe(Effect.forkScoped)

    // ---- the processor ----
    yield* Queue.take(inbox).pipe(
      Effect.flatMap((raw) =>
        handle(raw).pipe(
          Effect.catchAllCause((c) => Effect.logError("kalshi ws: frame handler failed; frame skipped", c))
        )
      ),
      Effect.forever,
      Effect.forkScoped
    )

    // ---- single-flight recovery ----
    const waitValid = (tickers: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const deadline = now() + cfg.probeTimeoutMs
        while (now() < deadline) {
          if (tickers.every((t) => books.get(t)?.valid !== false)) return true
          yield* Effect.sleep(20)
        }
        return tickers.every((t) => books.get(t)?.valid !== false)
      })

    const recoverOnce = Effect.gen(function* () {
      const invalid = [...books.values()].filter((b) => !b.valid)
      if (invalid.length === 0 || !connected) return
      stats.recoveries++
      // 1. snapshot on the same subscription
      const bySid = new Map<number, Array<string>>()
      const orphan: Array<string> = []
      for (const b of invalid) {
        if (b.sid === undefined) orphan.push(b.symbol)
        else bySid.set(b.sid, [...(bySid.get(b.sid) ?? []), b.symbol])
      }
      for (const [sid, tickers] of bySid) {
        stats.snapshotRecoveries++
        const r = yield* ask("update_subscription", { sid, action: "get_snapshot", market_tickers: tickers })
        const isError = Option.isSome(r) && (r.value as { type?: string }).type === "error"
        if (!isError && (yield* waitValid(tickers))) continue
        // 2. resubscribe that subscription
        stats.resubscribeRecoveries++
        yield* Effect.logWarning(`kalshi ws: snapshot recovery failed for sid ${sid}; resubscribing`)
        yield* send("unsubscribe", { sids: [sid] })
        const all = [...books.values()].filter((b) => b.sid === sid).map((b) => b.symbol)
        for (const b of books.values()) if (b.sid === sid) b.sid = undefined
        yield* subscribeBooks(all)
        if (!(yield* waitValid(all))) {
          // 3. reconnect
          stats.reconnectRecoveries++
          yield* Effect.logWarning("kalshi ws: resubscribe recovery failed; reconnecting")
          if (kill) yield* Deferred.fail(kill, new Socket.SocketGenericError({ reason: "Read", cause: "recovery" }))
          return
        }
      }
      if (orphan.length > 0) {
        yield* subscribeBooks(orphan)
        yield* waitValid(orphan)
      }
    })

    yield* Effect.gen(function* () {
      let attempts = 0
      while (true) {
        yield* Queue.take(recoverKick)
        yield* recoverOnce
        // retry budget: back off between rounds so a broken venue cannot cause a resubscription storm
        const stillInvalid = [...books.values()].some((b) => !b.valid) && connected
        attempts = stillInvalid ? attempts + 1 : 0
        if (stillInvalid) {
          yield* Effect.sleep(Math.min(cfg.reconnectMaxMs, 100 * 2 ** Math.min(attempts, 7)))
          Queue.unsafeOffer(recoverKick, undefined)
        }
      }
    }).pipe(Effect.forkScoped)

    // ---- staleness watchdog ----
    yield* Effect.gen(function* () {
      while (true) {
        yield* Effect.sleep(Math.max(50, Math.floor(cfg.staleAfterMs / 4)))
        if (!connected || now() - lastActivity < cfg.staleAfterMs) continue
        stats.probes++
        const r = yield* ask("list_subscriptions", {})
        if (Option.isNone(r) && connected && now() - lastActivity >= cfg.staleAfterMs) {
          yield* Effect.logWarning(
            `kalshi ws: no frame for ${now() - lastActivity} ms and no probe answer; reconnecting`
          )
          if (kill) yield* Deferred.fail(kill, new Socket.SocketGenericError({ reason: "Read", cause: "stale" }))
        }
      }
    }).pipe(Effect.forkScoped)

    const ensureBook = (symbol: string, grid: TickGrid.TickGrid) =>
      Effect.gen(function* () {
        const existing = books.get(symbol)
        if (existing !== undefined) return existing
        const b: Book = {
          symbol,
          sym: Ids.Symbol.make(symbol),
          grid,
          ladder: new OrderBook.BookLadder(grid.size),
          valid: false,
          sid: undefined,
          lastUpdate: 0,
          hub: yield* PubSub.sliding<OrderBook.OrderBook>(1024),
          decimalReaders: 0,
          changed: yield* PubSub.sliding<void>(1)
        }
        books.set(symbol, b)
        yield* subscribeBooks([symbol])
        return b
      })

    const book = (symbol: string, grid: TickGrid.TickGrid) =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          const b = yield* ensureBook(symbol, grid)
          yield* Effect.acquireRelease(
            Effect.sync(() => {
              b.decimalReaders++
            }),
            () =>
              Effect.sync(() => {
                b.decimalReaders--
              })
          )
          const sub = yield* PubSub.subscribe(b.hub)
          const first = b.valid ? [b.ladder.toOrderBook(b.sym, b.grid, LOT)] : []
          return Stream.concat(Stream.fromIterable(first), Stream.fromQueue(sub))
        })
      )

    const view = (symbol: string, grid: TickGrid.TickGrid) =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          const b = yield* ensureBook(symbol, grid)
          const sub = yield* PubSub.subscribe(b.changed)
          return OrderBook.pullLatest(
            Stream.fromQueue(sub),
            Effect.sync(() => (b.valid ? b.ladder.snapshot(b.sym, b.grid, LOT) : undefined))
          )
        })
      )

    return {
      state,
      book,
      view,
      currentBook: (symbol) =>
        Effect.sync(() => {
          const b = books.get(symbol)
          return b?.valid ? Option.some(b.ladder.toOrderBook(b.sym, b.grid, LOT)) : Option.none()
        }),
      bookInfo: (symbol) =>
        Effect.sync(() => {
          const b = books.get(symbol)
          return b === undefined
            ? Option.none()
            : Option.some({ valid: b.valid, sid: b.sid, sequence: b.ladder.sequence, lastUpdateMs: b.lastUpdate })
        }),
      events: Stream.fromPubSub(privateHub),
      subscribeEvents: PubSub.subscribe(privateHub),
      reconnect: Effect.suspend(() =>
        kill ? Deferred.fail(kill, new Socket.SocketGenericError({ reason: "Read", cause: "forced" })) : Effect.void
      ).pipe(Effect.asVoid),
      regrid: (symbol, grid) =>
        Effect.gen(function* () {
          const b = books.get(symbol)
          if (b === undefined) return
          const version = b.ladder.version
          b.grid = grid
          b.ladder = new OrderBook.BookLadder(grid.size)
          b.ladder.version = version + 1
          b.valid = true
          yield* invalidate(b, "price structure changed")
        }),
      stats: () => stats,
      lastActivity: Effect.sync(() => now() - lastActivity)
    } satisfies KalshiFeed
  })
