/**
 * The feed's socket adapter and connection loop. The socket's callbacks (message, ping, handshake error) are
 * the only place the feed calls `unsafe*`: they hand what arrives to the processor's inbox. Any close (clean or
 * not) reconnects with jittered exponential backoff; each connect signs its handshake afresh.
 */
import * as Socket from "@effect/platform/Socket"
import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as WS from "ws"
import type { FeedConfig } from "../KalshiConfig.js"
import type { ConnectionState, FeedStats, FeedTap } from "../KalshiFeed.js"
import { type Input, PING } from "./feedProcessor.js"
import * as Session from "./feedSession.js"
import type { Signer } from "./sign.js"

/** A `ws` constructor that signs every handshake (REFERENCE §2.2) and reports pings and handshake errors. */
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

/** The feed's raw-frame listeners (`KalshiFeed.tap`): the list is replaced, never changed in place. */
export interface Taps {
  list: ReadonlyArray<FeedTap>
}

export interface Connection {
  readonly write: (text: string) => Effect.Effect<void, Socket.SocketError>
  /** Runs the connect → run → reconnect loop (never ends). `onOpen` runs on every open. */
  readonly run: (onOpen: Effect.Effect<void>) => Effect.Effect<never>
  /** Ends the current connection (it reconnects). */
  readonly kill: (why: string) => Effect.Effect<void>
}

export const make = (options: {
  readonly url: string
  readonly taps: Taps
  readonly signer: Signer
  readonly config: FeedConfig
  readonly inbox: Queue.Queue<Input>
  readonly state: SubscriptionRef.SubscriptionRef<ConnectionState>
  readonly session: Ref.Ref<Session.Session>
  readonly stats: FeedStats
  readonly clock: Clock.Clock
}): Effect.Effect<Connection, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { inbox, stats, clock, config: cfg } = options
    const now = clock.currentTimeMillis
    const socket = yield* Socket.makeWebSocket(options.url, {
      closeCodeIsError: () => true,
      openTimeout: cfg.probeTimeoutMs
    }).pipe(
      Effect.provideService(
        Socket.WebSocketConstructor,
        signedConstructor(
          options.signer,
          // the constructor is a callback adapter (`ws` calls it on every connect): it reads the clock directly
          () => clock.unsafeCurrentTimeMillis(),
          () => Queue.unsafeOffer(inbox, PING),
          (m) => {
            stats.lastHandshakeError = m
          }
        )
      )
    )
    const write = yield* socket.writer
    const kill = yield* Ref.make<Deferred.Deferred<void, Socket.SocketError> | undefined>(undefined)
    const decoder = new TextDecoder()
    const taps = options.taps
    const onMessage = (data: string | Uint8Array): void => {
      const text = typeof data === "string" ? data : decoder.decode(data)
      Queue.unsafeOffer(inbox, text)
      const ls = taps.list
      if (ls.length === 0) return
      const t = clock.unsafeCurrentTimeMillis()
      for (const l of ls) l.frame(t, text)
    }

    /** One connection, until it ends; how long it lived (ms). */
    const connectOnce = (onOpen: Effect.Effect<void>) =>
      Effect.gen(function* () {
        const k = yield* Deferred.make<void, Socket.SocketError>()
        yield* Ref.set(kill, k)
        yield* SubscriptionRef.set(options.state, "connecting")
        const started = yield* now
        const r = yield* socket.runRaw(onMessage, { onOpen }).pipe(Effect.raceFirst(Deferred.await(k)), Effect.either)
        const wasOpen = yield* Ref.modify(options.session, Session.closed)
        stats.closes++
        yield* SubscriptionRef.set(options.state, "closed")
        const reason = r._tag === "Left" ? r.left.message : "closed"
        if (wasOpen && taps.list.length > 0) {
          const t = yield* now
          for (const l of taps.list) l.closed(t, reason)
        }
        yield* Queue.offer(inbox, { _tag: "Closed", reason, wasOpen })
        yield* Effect.logWarning(
          `kalshi ws: connection ended (${reason}${stats.lastHandshakeError ? `; last error: ${stats.lastHandshakeError}` : ""}); reconnecting`
        )
        return (yield* now) - started
      })

    // jittered exponential backoff (×0.5–1), capped; a connection that lived 30 s starts the backoff afresh
    const backoff = Schedule.exponential(cfg.reconnectBaseMs).pipe(
      Schedule.union(Schedule.spaced(cfg.reconnectMaxMs)),
      Schedule.jitteredWith({ min: 0.5, max: 1 }),
      Schedule.passthrough,
      Schedule.resetWhen((lived: unknown) => typeof lived === "number" && lived > 30_000)
    )

    return {
      write,
      run: (onOpen) => connectOnce(onOpen).pipe(Effect.repeat(backoff), Effect.zipRight(Effect.never)),
      kill: (why) =>
        Effect.flatMap(Ref.get(kill), (k) =>
          k === undefined
            ? Effect.void
            : Effect.asVoid(Deferred.fail(k, new Socket.SocketGenericError({ reason: "Read", cause: why })))
        )
    } satisfies Connection
  })
