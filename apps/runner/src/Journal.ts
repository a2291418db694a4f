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
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import Database from "libsql"
import { COLUMNS, INSERT, ROWS } from "./internal/bulkProtocol.js"
import * as BulkWriter from "./internal/bulkWriter.js"

// the entry shapes are the execution engine's journal port; this module is its SQLite implementation
export const EntryKind = ExecutionJournal.EntryKind
export type EntryKind = ExecutionJournal.EntryKind
export type NewEntry = ExecutionJournal.NewEntry
export type Entry = ExecutionJournal.Entry
export const JournalError = ExecutionJournal.JournalError
export type JournalError = ExecutionJournal.JournalError

export interface Query {
  readonly since?: number
  /** epoch ms; entries before it only */
  readonly until?: number
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
  /** Appends entries with the times they carry (not the clock's), in order, in one transaction (a backtest). */
  readonly appendTimed: (entries: ReadonlyArray<TimedEntry>) => Effect.Effect<void, JournalError>
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
  /**
   * Our orders whose last recorded state is `open` (ack, update, adoption or lookup; no cancel since): what
   * the journal believes rests. After a restart, those not open on the venue ended while we were down.
   */
  readonly believedOpen: (venue: string) => Effect.Effect<ReadonlyArray<BelievedOpen>, JournalError>
}

export interface TimedEntry {
  readonly ts: number
  readonly entry: NewEntry
}

export interface BelievedOpen {
  readonly clientOrderId: string
  readonly symbol: string
  readonly orderId: string | undefined
}

export class Journal extends Context.Tag("@alpha-hunter/runner/Journal")<Journal, JournalService>() {}

/** Timed entries as the bulk writer's rows (`COLUMNS` values each, in its column order). */
const rowsOf = (es: ReadonlyArray<TimedEntry>): Array<unknown> => {
  const rows: Array<unknown> = new Array(es.length * COLUMNS)
  let a = 0
  for (const { ts, entry: e } of es) {
    rows[a++] = ts
    rows[a++] = e.kind
    rows[a++] = e.venue
    rows[a++] = e.strategy ?? null
    rows[a++] = e.symbol ?? null
    rows[a++] = e.clientOrderId ?? null
    rows[a++] = e.orderId ?? null
    rows[a++] = JSON.stringify(e.data ?? {})
  }
  return rows
}

const messageOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

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

const schema = [
  `CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    venue TEXT NOT NULL,
    strategy TEXT,
    symbol TEXT,
    client_order_id TEXT,
    order_id TEXT,
    data TEXT NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS journal_coid ON journal (client_order_id)",
  "CREATE INDEX IF NOT EXISTS journal_kind_ts ON journal (kind, ts)"
]

const unsettledSql = `
  SELECT r.client_order_id, r.symbol FROM journal r
  WHERE r.kind = 'request' AND r.venue = ? AND r.client_order_id IS NOT NULL
    AND json_extract(r.data, '$.op') = 'create'
    AND NOT EXISTS (
      SELECT 1 FROM journal o WHERE o.client_order_id = r.client_order_id
        AND o.kind IN ('ack', 'reject', 'resolved', 'cancel', 'update', 'reconcile')
        AND NOT (o.kind = 'resolved' AND json_extract(o.data, '$.status') = 'lookup_failed')
    )
  ORDER BY r.seq`

const stateKinds = "('ack', 'update', 'reconcile', 'resolved', 'cancel')"
const believedOpenSql = `
  SELECT s.client_order_id, s.symbol,
    (SELECT MAX(o.order_id) FROM journal o WHERE o.client_order_id = s.client_order_id) AS order_id
  FROM journal s
  WHERE s.venue = ? AND s.client_order_id IS NOT NULL AND s.kind IN ${stateKinds}
    AND (s.kind = 'cancel' OR json_extract(s.data, '$.status') IS NOT NULL)
    AND s.seq = (
      SELECT MAX(l.seq) FROM journal l WHERE l.client_order_id = s.client_order_id AND l.kind IN ${stateKinds}
        AND (l.kind = 'cancel' OR json_extract(l.data, '$.status') IS NOT NULL)
    )
    AND s.kind <> 'cancel' AND json_extract(s.data, '$.status') = 'open'
  ORDER BY s.seq`

export interface JournalOptions {
  readonly durability?: "normal" | "full"
  /**
   * a journal loaded in bulk by a run that needs no crash safety (a backtest's: re-run it): no sync to disk,
   * and the indexes built when it closes (rows load faster without them; one sort at the end is cheaper than
   * keeping them up row by row). Reads before then are correct, unindexed.
   */
  readonly bulk?: boolean
}

/**
 * Opens (creating if missing) the journal at `path` for the life of the scope. SQLite (libsql: prebuilt
 * binaries inside npm packages, so installing needs no compiler; better-sqlite3's API) is called directly with
 * prepared statements: an append of a decision's entries is one synchronous transaction (~15 µs in WAL mode,
 * measured) on the write-ahead path, with no statement compiling or fiber hops per call.
 */
export const make = (
  path: string,
  options: JournalOptions = {}
): Effect.Effect<JournalService, JournalError, Scope.Scope> =>
  Effect.gen(function* () {
    // bulk: the batches are written on a thread of their own, started with the file (it loads while the run
    // starts, so the first read waits for rows, not for a thread to load: ~70 ms when it was started by the
    // first batch); reads and the close wait until it has caught up; one that cannot start leaves every write
    // on this thread
    let writer: BulkWriter.BulkWriter | undefined
    const db = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          const db = new Database(path)
          try {
            db.pragma("journal_mode = WAL")
            db.pragma(
              `synchronous = ${options.bulk === true ? "OFF" : options.durability === "full" ? "FULL" : "NORMAL"}`
            )
            for (const statement of options.bulk === true ? schema.slice(0, 1) : schema) db.exec(statement)
            return db
          } catch (e) {
            db.close()
            throw e
          }
        },
        catch: (cause) =>
          new JournalError({ message: `cannot open the journal at ${path}: ${messageOf(cause)}`, cause })
      }),
      (db) =>
        Effect.sync(() => {
          try {
            // the writer first (everything it was sent written: a failure there was answered to the read that
            // waited for it, as a backtest does before it ends); then a bulk-loaded journal gets its indexes
            // (should that fail, it stays correct, only unindexed)
            writer?.close()
            if (options.bulk === true) for (const statement of schema.slice(1)) db.exec(statement)
          } catch {
          } finally {
            db.close()
          }
        })
    )
    if (options.bulk === true) {
      try {
        writer = BulkWriter.start(path)
      } catch {
        // no thread: the writes stay here
      }
    }
    const insert = db.prepare(INSERT(1))
    const row = (e: NewEntry, ts: number) =>
      insert.run(
        ts,
        e.kind,
        e.venue,
        e.strategy ?? null,
        e.symbol ?? null,
        e.clientOrderId ?? null,
        e.orderId ?? null,
        JSON.stringify(e.data ?? {})
      )
    const insertAll = db.transaction((es: ReadonlyArray<NewEntry>, ts: number) => {
      for (const e of es) row(e, ts)
    })
    // large appends (a backtest's buffered entries) go ROWS to a statement: one call into SQLite per ROWS rows
    // instead of one per row (rows are numbered in the order they are listed, as one by one); the same rows and
    // statements as the bulk writer's thread (journalWriter.mjs)
    const insertRows = db.prepare(INSERT(ROWS))
    const insertTimed = db.transaction((es: ReadonlyArray<TimedEntry>) => {
      const values = rowsOf(es)
      const width = ROWS * COLUMNS
      let i = 0
      for (; i + width <= values.length; i += width) insertRows.run(values.slice(i, i + width))
      for (; i < values.length; i += COLUMNS) insert.run(values.slice(i, i + COLUMNS))
    })
    const lastSeqStmt = db.prepare("SELECT MAX(seq) AS seq FROM journal")
    const lastTsStmt = db.prepare("SELECT MAX(ts) AS ts FROM journal WHERE kind = ? AND venue = ?")
    const unsettledStmt = db.prepare(unsettledSql)
    const believedOpenStmt = db.prepare(believedOpenSql)

    /** with a bulk writer: waits until it has written everything sent (what is read or written next follows it) */
    const settled = () => {
      const failure = writer?.settle()
      if (failure !== undefined) throw new Error(failure)
    }
    const attempt = <A>(message: string, f: () => A) =>
      Effect.try({
        try: () => {
          settled()
          return f()
        },
        catch: (cause) => new JournalError({ message: `${message}: ${messageOf(cause)}`, cause })
      })

    const append = (e: NewEntry) =>
      Effect.flatMap(
        Effect.clockWith((c) => c.currentTimeMillis),
        (ts) => attempt(`cannot append a ${e.kind} entry`, () => Number(row(e, ts).lastInsertRowid))
      )

    const appendAll = (es: ReadonlyArray<NewEntry>) =>
      es.length === 0
        ? Effect.void
        : Effect.flatMap(
            Effect.clockWith((c) => c.currentTimeMillis),
            (ts) => attempt(`cannot append ${es.length} entries`, () => insertAll(es, ts))
          )

    /** hands rows to the writer, not waited for: its failure is answered here once known, and by every read */
    const sendTimed = (w: BulkWriter.BulkWriter, es: ReadonlyArray<TimedEntry>) =>
      Effect.try({
        try: () => {
          const failure = w.failure()
          if (failure !== undefined) throw new Error(failure)
          w.send(rowsOf(es))
        },
        catch: (cause) =>
          new JournalError({ message: `cannot append ${es.length} entries: ${messageOf(cause)}`, cause })
      })

    const appendTimed = (es: ReadonlyArray<TimedEntry>) =>
      es.length === 0
        ? Effect.void
        : writer !== undefined
          ? sendTimed(writer, es)
          : attempt(`cannot append ${es.length} entries`, () => insertTimed(es))

    const query = (q: Query = {}) =>
      attempt("cannot read the journal", () => {
        const clauses: Array<readonly [string, ReadonlyArray<string | number>]> = []
        if (q.since !== undefined) clauses.push(["ts >= ?", [q.since]])
        if (q.until !== undefined) clauses.push(["ts < ?", [q.until]])
        if (q.afterSeq !== undefined) clauses.push(["seq > ?", [q.afterSeq]])
        if (q.kinds !== undefined && q.kinds.length > 0) {
          clauses.push([`kind IN (${q.kinds.map(() => "?").join(", ")})`, q.kinds])
        }
        if (q.venue !== undefined) clauses.push(["venue = ?", [q.venue]])
        if (q.clientOrderId !== undefined) clauses.push(["client_order_id = ?", [q.clientOrderId]])
        const where = clauses.map(([c]) => c)
        const params = clauses.flatMap(([, v]) => v)
        const sql = `SELECT * FROM journal${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY seq`
        return (db.prepare(sql).all(...params) as Array<Row>).map(fromRow)
      })

    const lastSeq = attempt(
      "cannot read the journal",
      () => (lastSeqStmt.get() as { seq: number | null } | undefined)?.seq ?? 0
    )

    const lastTs = (venue: string, kind: EntryKind) =>
      attempt(
        "cannot read the journal",
        () => (lastTsStmt.get(kind, venue) as { ts: number | null } | undefined)?.ts ?? undefined
      )

    const unsettledCreates = (venue: string) =>
      attempt("cannot read the journal", () =>
        (unsettledStmt.all(venue) as Array<{ client_order_id: string; symbol: string | null }>).map((r) => ({
          clientOrderId: r.client_order_id,
          symbol: r.symbol ?? ""
        }))
      )

    const believedOpen = (venue: string) =>
      attempt("cannot read the journal", () =>
        (
          believedOpenStmt.all(venue) as Array<{
            client_order_id: string
            symbol: string | null
            order_id: string | null
          }>
        ).map((r) => ({
          clientOrderId: r.client_order_id,
          symbol: r.symbol ?? "",
          orderId: r.order_id ?? undefined
        }))
      )

    return Journal.of({ path, append, appendAll, appendTimed, query, lastSeq, lastTs, unsettledCreates, believedOpen })
  })

/** The journal at `path` (created if missing). */
export const layer = (path: string, options: JournalOptions = {}): Layer.Layer<Journal, JournalError> =>
  Layer.scoped(Journal, make(path, options))
