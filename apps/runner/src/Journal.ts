/**
 * The journal: an append-only SQLite file (WAL) holding every intent, risk decision, request, ack, venue
 * update, fill, cancel, desync and halt. A create's client order id is written *before* the request is
 * sent, so after a crash every order we may have placed is known by id and can be looked up.
 *
 * Durability: WAL with synchronous=NORMAL survives a killed process (kill -9): a committed append is in
 * the WAL file before `append` returns. (Power loss can drop the last transactions; set
 * `durability: "full"` to fsync every commit.)
 */
import { ExecutionJournal } from "@alpha-hunter/execution"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

// the entry shapes are the execution engine's journal port; this module is its SQLite implementation
export const EntryKind = ExecutionJournal.EntryKind
export type EntryKind = ExecutionJournal.EntryKind
export type NewEntry = ExecutionJournal.NewEntry
export type Entry = ExecutionJournal.Entry
export const JournalError = ExecutionJournal.JournalError
export type JournalError = ExecutionJournal.JournalError

export interface Query {
  readonly since?: number
  readonly afterSeq?: number
  readonly kinds?: ReadonlyArray<EntryKind>
  readonly venue?: string
  readonly clientOrderId?: string
}

export interface JournalService extends ExecutionJournal.ExecutionJournalService {
  readonly path: string
  /** Appends one entry (committed when the effect completes); returns its sequence number. */
  readonly append: (entry: NewEntry) => Effect.Effect<number, JournalError>
  /** Appends several entries in one transaction. */
  readonly appendAll: (entries: ReadonlyArray<NewEntry>) => Effect.Effect<void, JournalError>
  readonly query: (q?: Query) => Effect.Effect<ReadonlyArray<Entry>, JournalError>
  readonly lastSeq: Effect.Effect<number, JournalError>
  /** epoch ms of the newest entry of a kind for a venue, if any (indexed: no scan of history) */
  readonly lastTs: (venue: string, kind: EntryKind) => Effect.Effect<number | undefined, JournalError>
  /**
   * Creates written down (request) whose outcome was never recorded — no answer, update, successful lookup
   * or cancel (an `unknown` or a failed lookup is no outcome): each may have reached the venue and must be
   * looked up after a crash. Found in SQL by client
   * order id (indexed), not by reading the history into memory.
   */
  readonly unsettledCreates: (
    venue: string
  ) => Effect.Effect<ReadonlyArray<{ readonly clientOrderId: string; readonly symbol: string }>, JournalError>
}

export class Journal extends Context.Tag("@alpha-hunter/runner/Journal")<Journal, JournalService>() {}

const toError = (message: string) => (cause: SqlError) => new JournalError({ message, cause })

interface Row {
  readonly seq: number
  readonly ts: number
  readonly kind: EntryKind
  readonly venue: string
  readonly strategy: string | null
  readonly symbol: string | null
  readonly client_order_id: string | null
  readonly order_id: string | null
  readonly data: string
}

const fromRow = (r: Row): Entry => ({
  seq: r.seq,
  ts: r.ts,
  kind: r.kind,
  venue: r.venue,
  ...(r.strategy !== null ? { strategy: r.strategy } : {}),
  ...(r.symbol !== null ? { symbol: r.symbol } : {}),
  ...(r.client_order_id !== null ? { clientOrderId: r.client_order_id } : {}),
  ...(r.order_id !== null ? { orderId: r.order_id } : {}),
  data: JSON.parse(r.data) as Record<string, unknown>
})

export const make = (options: { readonly durability?: "normal" | "full" } = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const client = yield* SqliteClient.SqliteClient
    yield* sql`PRAGMA journal_mode = WAL`.pipe(Effect.mapError(toError("cannot enable WAL")))
    yield* sql
      .unsafe(`PRAGMA synchronous = ${options.durability === "full" ? "FULL" : "NORMAL"}`)
      .pipe(Effect.mapError(toError("cannot set durability")))
    yield* sql`CREATE TABLE IF NOT EXISTS journal (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      ts INTEGER NOT NULL,
      kind TEXT NOT NULL,
      venue TEXT NOT NULL,
      strategy TEXT,
      symbol TEXT,
      client_order_id TEXT,
      order_id TEXT,
      data TEXT NOT NULL
    )`.pipe(Effect.mapError(toError("cannot create the journal table")))
    yield* sql`CREATE INDEX IF NOT EXISTS journal_coid ON journal (client_order_id)`.pipe(
      Effect.mapError(toError("cannot create an index"))
    )
    yield* sql`CREATE INDEX IF NOT EXISTS journal_kind_ts ON journal (kind, ts)`.pipe(
      Effect.mapError(toError("cannot create an index"))
    )

    const insert = (e: NewEntry, ts: number) =>
      sql`INSERT INTO journal (ts, kind, venue, strategy, symbol, client_order_id, order_id, data) VALUES (${ts}, ${e.kind}, ${e.venue}, ${e.strategy ?? null}, ${e.symbol ?? null}, ${e.clientOrderId ?? null}, ${e.orderId ?? null}, ${JSON.stringify(e.data ?? {})}) RETURNING seq`

    const append = (e: NewEntry) =>
      Effect.gen(function* () {
        const ts = yield* Effect.clockWith((c) => c.currentTimeMillis)
        const rows = yield* insert(e, ts)
        return (rows[0] as { seq: number } | undefined)?.seq ?? 0
      }).pipe(Effect.mapError(toError(`cannot append a ${e.kind} entry`)))

    const appendAll = (es: ReadonlyArray<NewEntry>) =>
      es.length === 0
        ? Effect.void
        : Effect.gen(function* () {
            const ts = yield* Effect.clockWith((c) => c.currentTimeMillis)
            for (const e of es) yield* insert(e, ts)
          }).pipe(sql.withTransaction, Effect.mapError(toError(`cannot append ${es.length} entries`)))

    const query = (q: Query = {}) => {
      const where = [
        q.since !== undefined ? sql`ts >= ${q.since}` : undefined,
        q.afterSeq !== undefined ? sql`seq > ${q.afterSeq}` : undefined,
        q.kinds !== undefined && q.kinds.length > 0 ? sql.in("kind", q.kinds) : undefined,
        q.venue !== undefined ? sql`venue = ${q.venue}` : undefined,
        q.clientOrderId !== undefined ? sql`client_order_id = ${q.clientOrderId}` : undefined
      ].filter((x) => x !== undefined)
      return sql<Row>`SELECT * FROM journal WHERE ${sql.and(where)} ORDER BY seq`.pipe(
        Effect.map((rows) => rows.map(fromRow)),
        Effect.mapError(toError("cannot read the journal"))
      )
    }

    const lastSeq = sql<{ seq: number | null }>`SELECT MAX(seq) AS seq FROM journal`.pipe(
      Effect.map((rows) => rows[0]?.seq ?? 0),
      Effect.mapError(toError("cannot read the journal"))
    )

    const lastTs = (venue: string, kind: EntryKind) =>
      sql<{ ts: number | null }>`SELECT MAX(ts) AS ts FROM journal WHERE kind = ${kind} AND venue = ${venue}`.pipe(
        Effect.map((rows) => rows[0]?.ts ?? undefined),
        Effect.mapError(toError("cannot read the journal"))
      )

    const unsettledCreates = (venue: string) =>
      sql<{ client_order_id: string; symbol: string | null }>`
        SELECT r.client_order_id, r.symbol FROM journal r
        WHERE r.kind = 'request' AND r.venue = ${venue} AND r.client_order_id IS NOT NULL
          AND json_extract(r.data, '$.op') = 'create'
          AND NOT EXISTS (
            SELECT 1 FROM journal o WHERE o.client_order_id = r.client_order_id
              AND o.kind IN ('ack', 'reject', 'resolved', 'cancel', 'update', 'reconcile')
              AND NOT (o.kind = 'resolved' AND json_extract(o.data, '$.status') = 'lookup_failed')
          )
        ORDER BY r.seq`.pipe(
        Effect.map((rows) => rows.map((r) => ({ clientOrderId: r.client_order_id, symbol: r.symbol ?? "" }))),
        Effect.mapError(toError("cannot read the journal"))
      )

    return Journal.of({
      path: client.config.filename,
      append,
      appendAll,
      query,
      lastSeq,
      lastTs,
      unsettledCreates
    })
  })

/** The journal at `path` (created if missing). */
export const layer = (
  path: string,
  options: { readonly durability?: "normal" | "full" } = {}
): Layer.Layer<Journal, JournalError> =>
  Layer.effect(Journal, make(options)).pipe(
    Layer.provide(SqliteClient.layer({ filename: path })),
    Layer.catchAllCause((cause) => {
      const failure = Cause.failureOption(cause)
      return Layer.fail(
        Option.isSome(failure) && failure.value instanceof JournalError
          ? failure.value
          : new JournalError({ message: `cannot open the journal at ${path}: ${Cause.pretty(cause).split("\n")[0]}` })
      )
    })
  )
