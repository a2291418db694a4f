/**
 * Kalshi's WebSocket feed (REFERENCE §9): one authenticated connection carrying order books
 * (`orderbook_delta` with `use_yes_price`), our orders (`user_orders`), fills (`fill`), positions
 * (`market_positions`), our order groups (`order_group_updates`) and market lifecycle (`market_lifecycle_v2`).
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
import { ChangeSignal, type ExchangeError, type OrderBook, type TickGrid } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Connection from "./internal/feedConnection.js"
import { type FeedBook, type Input, processBatch, type Registry } from "./internal/feedProcessor.js"
import * as Recovery from "./internal/feedRecovery.js"
import * as Session from "./internal/feedSession.js"
import * as Frames from "./internal/frames.js"
import type { Signer } from "./internal/sign.js"
import * as wire from "./internal/wire.js"
import type { FeedConfig } from "./KalshiConfig.js"

export type PrivateEvent = Frames.PrivateEvent

/**
 * The frame step the feed runs (synchronous, no Effect): `FrameStep.makeState`, `FrameStep.makeBook` +
 * `FrameStep.track`, then `FrameStep.step(state, raw, now)` per frame → the change; `FrameStep.viewOf(book)` is
 * what a strategy's `watchBook` receives. Exported so benchmarks and tests run the real thing.
 */
export * as FrameStep from "./internal/frames.js"

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

export interface BookInfo {
  readonly valid: boolean
  readonly sid: number | undefined
  readonly sequence: number
  readonly lastUpdateMs: number
  /** readers of its Decimal books now (its Decimal hub exists only while there are some) */
  readonly decimalReaders: number
  readonly decimalHub: boolean
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
   * The integer view (once valid) then its changes, latest wins: a batch of deltas only signals (`ChangeSignal`);
   * the immutable `BookView` is copied from the ladder when the consumer pulls, on the consumer's fiber (one
   * copy per version, shared by every reader). Invalid books are not emitted until healed.
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
  /**
   * Taps the raw frames for the life of the scope, and subscribes `channels` for every book the feed carries
   * (now and on every reconnect). Books already subscribed are asked for a fresh snapshot, so the listener
   * starts from one.
   */
  readonly tap: (listener: FeedTap, channels?: ReadonlyArray<TapChannel>) => Effect.Effect<void, never, Scope.Scope>
  /** Asks a fresh snapshot of every subscribed book on its own subscription (a listener that lost frames). */
  readonly resnapshot: Effect.Effect<void>
}

/**
 * A listener on the feed's raw frames (a recorder writing the public tape beside the bot). Its callbacks run on
 * the socket's callback, in arrival order, so they must only hand off (e.g. into a bounded queue) and never
 * throw: the feed does not wait for them.
 */
export interface FeedTap {
  /** a text frame exactly as received (private channels included: the listener keeps what it wants) */
  readonly frame: (receivedMs: number, raw: string) => void
  /** a connection opened (sids and seqs restart on it); frames of this connection follow */
  readonly opened: (atMs: number) => void
  /** an open connection ended (frames may be missing until the next `opened` and its snapshots) */
  readonly closed: (atMs: number, reason: string) => void
}

/** Public channels a tap asks for beside the books (the feed itself ignores them). */
export type TapChannel = "trade" | "ticker"

export interface FeedOptions {
  readonly url: string
  readonly signer: Signer
  readonly config: FeedConfig
  readonly useYesPrice?: boolean
  /** subscribe to the private channels (user_orders, fill, market_positions, order_group_updates) */
  readonly privateChannels?: boolean
}

/** The WebSocket envelope every frame is decoded with (exported so benchmarks measure the real one). */
export const Frame = wire.Frame

export const make = (options: FeedOptions): Effect.Effect<KalshiFeed, never, Scope.Scope> =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const now = clock.currentTimeMillis
    const cfg = options.config
    const privateChannels = options.privateChannels ?? true
    const state = yield* SubscriptionRef.make<ConnectionState>("connecting")
    // diagnostic counters (monotonic, read by `stats()`); they drive nothing
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
    // the processor fiber's state (the ladders and per-connection sequences): see internal/frames.ts
    const frames = Frames.makeState({ useYes: options.useYesPrice ?? true, stats })
    const registry = yield* Ref.make<Registry>(new Map())
    const activity = yield* Ref.make(yield* now)
    const privateHub = yield* PubSub.unbounded<PrivateEvent>()
    const inbox = yield* Queue.unbounded<Input>()
    const recoverKick = yield* Queue.sliding<void>(1)

    const session = yield* Ref.make(Session.initial)
    // the listeners on raw frames (read by the socket callback; replaced, never mutated, by `tap`)
    const taps: Connection.Taps = { list: [] }
    const tapChannels = yield* Ref.make<ReadonlyArray<TapChannel>>([])
    const connection = yield* Connection.make({
      taps,
      url: options.url,
      signer: options.signer,
      config: cfg,
      inbox,
      state,
      session,
      stats,
      clock
    })
    const commands = Session.makeCommands(session, connection.write, cfg.probeTimeoutMs)

    const subscribeExtra = (tickers: ReadonlyArray<string>) =>
      Effect.flatMap(Ref.get(tapChannels), (channels) =>
        tickers.length === 0 || channels.length === 0
          ? Effect.void
          : Effect.asVoid(commands.send("subscribe", { channels, market_tickers: tickers }, channels))
      )
    /** the books' subscription alone (recovery re-subscribes books; a tap's channels stay as they are) */
    const subscribeBooksOnly = (tickers: ReadonlyArray<string>) =>
      tickers.length === 0
        ? Effect.succeed(-1)
        : commands.send(
            "subscribe",
            { channels: ["orderbook_delta"], market_tickers: tickers, use_yes_price: frames.useYes },
            ["orderbook_delta"]
          )
    /** new books (and every book on a new connection): the books, then a tap's channels for them */
    const subscribeBooks = (tickers: ReadonlyArray<string>) =>
      subscribeBooksOnly(tickers).pipe(Effect.tap(() => subscribeExtra(tickers)))
    // our orders, fills, positions, and our order groups' lifecycle (a trip is seen here before any refused create)
    const privateNames = ["user_orders", "fill", "market_positions", "order_group_updates"]
    const subscribePrivate = commands.send("subscribe", { channels: privateNames }, privateNames)

    const onOpen = Effect.gen(function* () {
      const reconnect = yield* Ref.modify(session, (s) => [s.everConnected, Session.opened(s)] as const)
      stats.connects++
      yield* Ref.set(activity, yield* now)
      if (taps.list.length > 0) {
        const t = yield* now
        for (const l of taps.list) l.opened(t)
      }
      // before any command: the processor resets sequences and books ahead of this connection's frames
      yield* Queue.offer(inbox, { _tag: "Opened", reconnect })
      if (privateChannels) yield* subscribePrivate
      yield* commands.send("subscribe", { channels: ["market_lifecycle_v2"] }, ["market_lifecycle_v2"])
      yield* subscribeBooks([...(yield* Ref.get(registry)).keys()])
      yield* SubscriptionRef.set(state, "open")
      yield* Ref.update(session, (s) => ({ ...s, everConnected: true }))
    })
    yield* Effect.forkScoped(connection.run(onOpen))

    // the processor: every wake-up drains what the socket queued and steps through it synchronously
    const deps = {
      state: frames,
      inbox,
      registry,
      commands,
      privateHub,
      recoverKick,
      privateChannels,
      subscribePrivate,
      now,
      activity
    }
    // (a plain take loop: a `Stream.fromQueue` around the same queue adds ~25 µs per idle wake-up here)
    yield* Queue.takeBetween(inbox, 1, 4096).pipe(
      Effect.flatMap((batch) => processBatch(deps, batch)),
      Effect.catchAllCause((c) => Effect.logError("kalshi ws: frame handler failed; batch skipped", c)),
      Effect.repeat(Schedule.forever),
      Effect.forkScoped
    )

    const recoveryDeps = {
      config: cfg,
      registry,
      commands,
      inbox,
      recoverKick,
      stats,
      now,
      activity,
      subscribeBooks: subscribeBooksOnly,
      kill: connection.kill
    }
    yield* Recovery.recovery(recoveryDeps)
    yield* Recovery.watchdog(recoveryDeps)

    /** The book's registry entry, created (and subscribed) on first use. */
    const ensureBook = (symbol: string, grid: TickGrid.TickGrid) =>
      Effect.gen(function* () {
        const existing = (yield* Ref.get(registry)).get(symbol)
        if (existing !== undefined) return existing
        const fresh: FeedBook = {
          slot: Frames.makeBook(symbol, grid),
          changed: yield* ChangeSignal.make,
          hub: undefined,
          decimalReaders: 0
        }
        const [b, created] = yield* Ref.modify(registry, (r): readonly [readonly [FeedBook, boolean], Registry] => {
          const e = r.get(symbol)
          return e !== undefined ? [[e, false], r] : [[fresh, true], new Map(r).set(symbol, fresh)]
        })
        if (created) {
          yield* Queue.offer(inbox, { _tag: "Track", book: b.slot })
          yield* subscribeBooks([symbol])
        }
        return b
      })

    // the Decimal hub (its 1,024-slot ring) exists only while the book has Decimal readers: a reader brings
    // one when the book has none; the last reader to leave drops it
    const addReader = (symbol: string, spare: PubSub.PubSub<OrderBook.OrderBook>) =>
      Ref.modify(registry, (r): readonly [PubSub.PubSub<OrderBook.OrderBook>, Registry] => {
        const e = r.get(symbol)
        if (e === undefined) return [spare, r]
        const hub = e.hub ?? spare
        return [hub, new Map(r).set(symbol, { ...e, hub, decimalReaders: e.decimalReaders + 1 })]
      })
    const removeReader = (symbol: string) =>
      Ref.update(registry, (r) => {
        const e = r.get(symbol)
        if (e === undefined) return r
        const decimalReaders = e.decimalReaders - 1
        return new Map(r).set(symbol, { ...e, decimalReaders, hub: decimalReaders > 0 ? e.hub : undefined })
      })

    const book = (symbol: string, grid: TickGrid.TickGrid) =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          const b = yield* ensureBook(symbol, grid)
          const spare = yield* PubSub.sliding<OrderBook.OrderBook>(1024)
          const hub = yield* Effect.acquireRelease(addReader(symbol, spare), () => removeReader(symbol))
          const sub = yield* PubSub.subscribe(hub)
          const s = b.slot
          const first = s.valid ? [s.ladder.toOrderBook(s.sym, s.grid, Frames.LOT)] : []
          return Stream.concat(Stream.fromIterable(first), Stream.fromQueue(sub))
        })
      )

    const view = (symbol: string, grid: TickGrid.TickGrid) =>
      Stream.unwrap(
        Effect.map(ensureBook(symbol, grid), (b) =>
          ChangeSignal.views(
            b.changed,
            Effect.sync(() => Frames.viewOf(b.slot))
          )
        )
      )

    const resnapshot = Effect.gen(function* () {
      const bySid = new Map<number, Array<string>>()
      for (const b of (yield* Ref.get(registry)).values()) {
        const sid = b.slot.sid
        if (sid !== undefined) bySid.set(sid, [...(bySid.get(sid) ?? []), b.slot.symbol])
      }
      for (const [sid, tickers] of bySid) {
        yield* commands.send("update_subscription", { sid, action: "get_snapshot", market_tickers: tickers })
      }
    })

    const tap = (listener: FeedTap, channels: ReadonlyArray<TapChannel> = []) =>
      Effect.gen(function* () {
        yield* Effect.acquireRelease(
          Effect.sync(() => {
            taps.list = [...taps.list, listener]
          }),
          () =>
            Effect.sync(() => {
              taps.list = taps.list.filter((l) => l !== listener)
            })
        )
        const added = yield* Ref.modify(tapChannels, (cs) => {
          const fresh = channels.filter((c) => !cs.includes(c))
          return [fresh, [...cs, ...fresh]] as const
        })
        const tickers = [...(yield* Ref.get(registry)).keys()]
        if (added.length > 0 && tickers.length > 0) {
          yield* commands.send("subscribe", { channels: added, market_tickers: tickers }, added)
        }
        yield* resnapshot
      })

    const slotOf = (symbol: string) => Effect.map(Ref.get(registry), (r) => r.get(symbol)?.slot)

    return {
      state,
      book,
      view,
      currentBook: (symbol) =>
        Effect.map(slotOf(symbol), (b) =>
          b?.valid ? Option.some(b.ladder.toOrderBook(b.sym, b.grid, Frames.LOT)) : Option.none()
        ),
      bookInfo: (symbol) =>
        Effect.map(Ref.get(registry), (r) => {
          const e = r.get(symbol)
          if (e === undefined) return Option.none()
          const b = e.slot
          return Option.some({
            valid: b.valid,
            sid: b.sid,
            sequence: b.ladder.sequence,
            lastUpdateMs: b.lastUpdate,
            decimalReaders: e.decimalReaders,
            decimalHub: e.hub !== undefined
          })
        }),
      events: Stream.fromPubSub(privateHub),
      subscribeEvents: PubSub.subscribe(privateHub),
      reconnect: connection.kill("forced"),
      regrid: (symbol, grid) => Queue.offer(inbox, { _tag: "Regrid", symbol, grid }).pipe(Effect.asVoid),
      stats: () => stats,
      lastActivity: Effect.zipWith(now, Ref.get(activity), (n, t) => n - t),
      tap,
      resnapshot
    } satisfies KalshiFeed
  })
