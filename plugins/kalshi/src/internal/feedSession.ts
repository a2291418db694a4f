/**
 * The feed's command side of one connection: command ids, which channels each command concerns, and the
 * replies awaited. Held in a `Ref` as an immutable `Session`, changed by the pure transitions below.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"

export interface Session {
  readonly connected: boolean
  readonly everConnected: boolean
  readonly nextId: number
  /** command id → the channels it concerns (to tell which books or private channels an error hits) */
  readonly cmdChannels: ReadonlyMap<number, ReadonlyArray<string>>
  /** command id → the caller waiting for its reply */
  readonly replies: ReadonlyMap<number, Deferred.Deferred<unknown>>
}

export const initial: Session = {
  connected: false,
  everConnected: false,
  nextId: 1,
  cmdChannels: new Map(),
  replies: new Map()
}

/** A connection opened: ids restart, old commands are forgotten. */
export const opened = (s: Session): Session => ({
  ...s,
  connected: true,
  nextId: 1,
  cmdChannels: new Map(),
  replies: new Map()
})

/** The connection ended. Whether it had been open, and the session after. */
export const closed = (s: Session): readonly [boolean, Session] => [s.connected, { ...s, connected: false }]

/** Allocates a command id (−1 when not connected), noting its channels and its waiting caller. */
export const allocate =
  (channels: ReadonlyArray<string>, reply?: Deferred.Deferred<unknown>) =>
  (s: Session): readonly [number, Session] => {
    if (!s.connected) return [-1, s]
    const id = s.nextId
    return [
      id,
      {
        ...s,
        nextId: id + 1,
        cmdChannels: channels.length === 0 ? s.cmdChannels : new Map(s.cmdChannels).set(id, channels),
        replies: reply === undefined ? s.replies : new Map(s.replies).set(id, reply)
      }
    ]
  }

/** Removes and returns the caller waiting for `id`. */
export const takeReply =
  (id: number) =>
  (s: Session): readonly [Deferred.Deferred<unknown> | undefined, Session] => {
    const d = s.replies.get(id)
    if (d === undefined) return [undefined, s]
    const replies = new Map(s.replies)
    replies.delete(id)
    return [d, { ...s, replies }]
  }

export interface Commands {
  readonly session: Ref.Ref<Session>
  /** Sends a command; its id, or −1 when not connected or the write failed. */
  readonly send: (
    cmd: string,
    params: Record<string, unknown>,
    channels?: ReadonlyArray<string>
  ) => Effect.Effect<number>
  /** Sends a command and waits (at most `timeoutMs`) for its reply frame. */
  readonly ask: (cmd: string, params: Record<string, unknown>) => Effect.Effect<Option.Option<unknown>>
  /** Hands a reply frame to its caller, if one waits. */
  readonly reply: (id: number, frame: unknown) => Effect.Effect<void>
}

export const makeCommands = (
  session: Ref.Ref<Session>,
  write: (text: string) => Effect.Effect<void, { readonly message: string }>,
  timeoutMs: number
): Commands => {
  const sendWith = (
    cmd: string,
    params: Record<string, unknown>,
    channels: ReadonlyArray<string>,
    reply?: Deferred.Deferred<unknown>
  ) =>
    Effect.flatMap(Ref.modify(session, allocate(channels, reply)), (id) =>
      id < 0
        ? Effect.succeed(-1)
        : write(JSON.stringify({ id, cmd, params })).pipe(
            Effect.as(id),
            Effect.catchAll((e) => Effect.logWarning(`kalshi ws: write failed: ${e.message}`).pipe(Effect.as(-1)))
          )
    )
  const ask = (cmd: string, params: Record<string, unknown>) =>
    Effect.gen(function* () {
      const d = yield* Deferred.make<unknown>()
      const id = yield* sendWith(cmd, params, [], d)
      if (id < 0) return Option.none<unknown>()
      const r = yield* Deferred.await(d).pipe(Effect.timeout(timeoutMs), Effect.option)
      yield* Ref.update(session, (s) => takeReply(id)(s)[1])
      return r
    })
  const reply = (id: number, frame: unknown) =>
    Effect.flatMap(Ref.modify(session, takeReply(id)), (d) =>
      d === undefined ? Effect.void : Effect.asVoid(Deferred.succeed(d, frame))
    )
  return { session, send: (cmd, params, channels = []) => sendWith(cmd, params, channels), ask, reply }
}
