/**
 * The write-ahead journal the execution engine writes through: a port. The runner provides it with an
 * SQLite file (`apps/runner` `Journal`); `memory` is a complete in-process implementation for tests,
 * backtests and embedding.
 *
 * The engine's one rule: a create's client order id is appended (committed) *before* the request is
 * sent, so after a crash every order we may have placed is known by id and can be looked up. If the
 * journal cannot write, nothing is sent and trading halts through Risk with that reason.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"

export const EntryKind = Schema.Literal(
  "run",
  "stop",
  "intent",
  "risk",
  "request",
  "ack",
  "reject",
  "unknown",
  "resolved",
  "update",
  "fill",
  "cancel",
  "desync",
  "halt",
  "resume",
  "reconcile",
  "sample",
  "health",
  "control",
  "drift"
)
export type EntryKind = typeof EntryKind.Type

export interface NewEntry {
  readonly kind: EntryKind
  readonly venue: string
  readonly strategy?: string | undefined
  readonly symbol?: string | undefined
  readonly clientOrderId?: string | undefined
  readonly orderId?: string | undefined
  /** JSON-serialisable detail (decimals as strings) */
  readonly data?: Record<string, unknown>
}

export interface Entry extends NewEntry {
  readonly seq: number
  /** epoch ms */
  readonly ts: number
  readonly data: Record<string, unknown>
}

export class JournalError extends Schema.TaggedError<JournalError>()("JournalError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

export interface ExecutionJournalService {
  /** Appends several entries in one transaction: all are committed when the effect succeeds, none otherwise. */
  readonly appendAll: (entries: ReadonlyArray<NewEntry>) => Effect.Effect<void, JournalError>
}

export class ExecutionJournal extends Context.Tag("@alpha-hunter/execution/ExecutionJournal")<
  ExecutionJournal,
  ExecutionJournalService
>() {}

/** An in-memory journal: every entry with its sequence number and time, in order. */
export interface MemoryJournal extends ExecutionJournalService {
  readonly entries: Effect.Effect<ReadonlyArray<Entry>>
  /** while set, every append fails (to exercise the journal-failure path) */
  readonly failWith: (message: string | undefined) => Effect.Effect<void>
}

export const memory: Effect.Effect<MemoryJournal> = Effect.gen(function* () {
  const state = yield* Ref.make<{ readonly entries: ReadonlyArray<Entry>; readonly failing: string | undefined }>({
    entries: [],
    failing: undefined
  })
  const appendAll = (news: ReadonlyArray<NewEntry>) =>
    Effect.gen(function* () {
      const ts = yield* Effect.clockWith((c) => c.currentTimeMillis)
      const failing = yield* Ref.modify(state, (s) => {
        if (s.failing !== undefined) return [s.failing, s] as const
        const added = news.map((e, i) => ({ ...e, seq: s.entries.length + i + 1, ts, data: e.data ?? {} }))
        return [undefined, { ...s, entries: [...s.entries, ...added] }] as const
      })
      if (failing !== undefined) return yield* new JournalError({ message: failing })
    })
  return {
    appendAll,
    entries: Effect.map(Ref.get(state), (s) => s.entries),
    failWith: (message) => Ref.update(state, (s) => ({ ...s, failing: message }))
  }
})
