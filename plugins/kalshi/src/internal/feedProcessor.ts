/**
 * The feed's processor: one fiber drains whatever the socket queued (frames and controls, in arrival order),
 * runs the synchronous frame step over the whole batch, then does the batch's effects: one signal per book
 * that changed (views are copied when consumers pull), the private events in venue order, command replies,
 * logs, recovery kicks. No Effect runs per frame.
 */
import { ChangeSignal, type OrderBook, type TickGrid } from "@alpha-hunter/core"
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type { Commands, Session } from "./feedSession.js"
import type * as Frames from "./frames.js"
import {
  type BookSlot,
  type Change,
  closed,
  detach,
  invalidateAll,
  LOT,
  opened,
  regrid,
  step,
  track
} from "./frames.js"

/** What other fibers ask of the processor; applied in order with the frames. */
export type Control =
  | { readonly _tag: "Track"; readonly book: BookSlot }
  | { readonly _tag: "Opened"; readonly reconnect: boolean }
  | { readonly _tag: "Closed"; readonly reason: string; readonly wasOpen: boolean }
  | { readonly _tag: "Regrid"; readonly symbol: string; readonly grid: TickGrid.TickGrid }
  | { readonly _tag: "Detach"; readonly sid: number }
  | { readonly _tag: "Ping" }

export type Input = string | Control

export const PING: Input = { _tag: "Ping" }

/** A book and its outlets (immutable record in the registry `Ref`). */
export interface FeedBook {
  readonly slot: BookSlot
  /** one signal per batch that changed the book: readers take the integer view when they pull */
  readonly changed: ChangeSignal.ChangeSignal
  /** Decimal books, published (every change) only while `decimalReaders` > 0 (the hub exists only then) */
  readonly hub: PubSub.PubSub<OrderBook.OrderBook> | undefined
  readonly decimalReaders: number
}

export type Registry = ReadonlyMap<string, FeedBook>

const TERMINAL = new Set([10, 17, 25])

/** Public channels only a tap subscribes (`KalshiFeed.tap`): the feed neither reads nor recovers them. */
const TAP_ONLY = new Set(["trade", "ticker"])

/** A deferred effect of the batch. */
type Note =
  | { readonly _tag: "Log"; readonly message: string }
  | { readonly _tag: "Publish"; readonly event: Frames.PrivateEvent }
  | { readonly _tag: "Reply"; readonly id: number; readonly frame: unknown }
  | { readonly _tag: "Decimal"; readonly hub: PubSub.PubSub<OrderBook.OrderBook>; readonly book: OrderBook.OrderBook }
  | { readonly _tag: "ResubscribePrivate" }

export interface Batch {
  readonly changed: Set<BookSlot>
  readonly notes: Array<Note>
  recover: boolean
  activity: boolean
}

/**
 * Applies a batch of inputs to the frame state (synchronous; the processor fiber owns the state). What must
 * follow in Effect lands in `out`.
 */
export const runBatch = (
  st: Frames.FrameState,
  inputs: Iterable<Input>,
  now: number,
  registry: Registry,
  session: Session,
  privateChannels: boolean,
  out: Batch
): void => {
  const changed = (b: BookSlot) => {
    out.changed.add(b)
    const fb = registry.get(b.symbol)
    // Decimal books (built only while someone reads them) carry every change, so they are built here
    if (fb !== undefined && fb.decimalReaders > 0 && fb.hub !== undefined) {
      out.notes.push({ _tag: "Decimal", hub: fb.hub, book: b.ladder.toOrderBook(b.sym, b.grid, LOT) })
    }
  }
  const apply = (c: Change): void => {
    switch (c._tag) {
      case "Book":
        changed(c.book)
        return
      case "None":
        return
      case "Invalid":
        out.recover = true
        out.notes.push({ _tag: "Log", message: `kalshi ws: book ${c.book.symbol} INVALID (${c.reason}); recovering` })
        return
      case "Private":
        out.notes.push({ _tag: "Publish", event: c.event })
        return
      case "Subscribed":
        return
      case "Malformed":
        out.notes.push({ _tag: "Log", message: `kalshi ws: ${c.reason}` })
        if (c.invalid !== undefined) out.recover = true
        if (c.privateGap !== undefined) {
          out.notes.push({
            _tag: "Publish",
            event: { _tag: "PrivateGap", reason: c.reason.split(" skipped")[0]!, channel: c.privateGap }
          })
        }
        return
      case "Gap": {
        const ch = c.channel
        out.notes.push({
          _tag: "Log",
          message: `kalshi ws: seq gap on sid ${c.sid} (${ch ?? "?"}): expected ${c.expected}, got ${c.got}`
        })
        if (c.invalidated.length > 0) out.recover = true
        if (ch !== "orderbook_delta") {
          out.notes.push({
            _tag: "Publish",
            event: { _tag: "PrivateGap", reason: `seq gap on ${ch ?? "?"}`, channel: ch ?? "?" }
          })
        }
        apply(c.next)
        return
      }
      case "Reply":
        out.notes.push({ _tag: "Reply", id: c.id, frame: c.frame })
        apply(c.next)
        return
      case "ChannelError": {
        const channels = (c.id !== undefined ? session.cmdChannels.get(c.id) : undefined) ?? []
        if (!TERMINAL.has(c.code) || (channels.length > 0 && channels.every((x) => TAP_ONLY.has(x)))) {
          out.notes.push({ _tag: "Log", message: `kalshi ws: error ${c.code} (${c.text}) for command ${c.id ?? "-"}` })
          return
        }
        out.notes.push({
          _tag: "Log",
          message: `kalshi ws: terminal error ${c.code} (${c.text}) on [${channels.join(",")}]`
        })
        if (channels.length === 0 || channels.includes("orderbook_delta")) {
          if (invalidateAll(st, `terminal channel error ${c.code}`).length > 0) out.recover = true
        }
        if (channels.length === 0 || channels.some((x) => x !== "orderbook_delta")) {
          out.notes.push({
            _tag: "Publish",
            event: {
              _tag: "PrivateGap",
              reason: `terminal error ${c.code}`,
              channel: channels.filter((x) => x !== "orderbook_delta").join(",") || "?"
            }
          })
          if (privateChannels) out.notes.push({ _tag: "ResubscribePrivate" })
        }
        return
      }
    }
  }
  for (const input of inputs) {
    if (typeof input === "string") {
      out.activity = true
      apply(step(st, input, now))
      continue
    }
    switch (input._tag) {
      case "Track":
        track(st, input.book)
        break
      case "Opened":
        opened(st)
        out.notes.push({ _tag: "Publish", event: { _tag: "Connected", reconnect: input.reconnect } })
        break
      case "Closed":
        closed(st)
        if (input.wasOpen) out.notes.push({ _tag: "Publish", event: { _tag: "Disconnected", reason: input.reason } })
        break
      case "Regrid":
        apply(regrid(st, input.symbol, input.grid))
        break
      case "Detach":
        detach(st, input.sid)
        break
      case "Ping":
        out.activity = true
        break
    }
  }
}

export interface ProcessorDeps {
  readonly state: Frames.FrameState
  readonly inbox: Queue.Queue<Input>
  readonly registry: Ref.Ref<Registry>
  readonly commands: Commands
  readonly privateHub: PubSub.PubSub<Frames.PrivateEvent>
  readonly recoverKick: Queue.Queue<void>
  readonly privateChannels: boolean
  readonly subscribePrivate: Effect.Effect<unknown>
  readonly now: Effect.Effect<number>
  /** the time of the last frame or ping */
  readonly activity: Ref.Ref<number>
}

/** Processes one batch (everything queued at this wake-up). */
export const processBatch = (d: ProcessorDeps, inputs: Chunk.Chunk<Input>): Effect.Effect<void> =>
  Effect.gen(function* () {
    const registry = yield* Ref.get(d.registry)
    const session = yield* Ref.get(d.commands.session)
    const now = yield* d.now
    const out: Batch = { changed: new Set(), notes: [], recover: false, activity: false }
    runBatch(d.state, inputs, now, registry, session, d.privateChannels, out)
    if (out.activity) yield* Ref.set(d.activity, now)
    for (const b of out.changed) {
      const fb = registry.get(b.symbol)
      if (fb !== undefined) yield* ChangeSignal.notify(fb.changed)
    }
    for (const n of out.notes) {
      switch (n._tag) {
        case "Log":
          yield* Effect.logWarning(n.message)
          break
        case "Publish":
          yield* PubSub.publish(d.privateHub, n.event)
          break
        case "Reply":
          yield* d.commands.reply(n.id, n.frame)
          break
        case "Decimal":
          yield* PubSub.publish(n.hub, n.book)
          break
        case "ResubscribePrivate":
          yield* d.subscribePrivate
          break
      }
    }
    if (out.recover) yield* Queue.offer(d.recoverKick, undefined)
  })
