/**
 * A bulk-loaded journal's writer thread, seen from the loading thread: rows are sent and written there
 * (`journalWriter.mjs`), in the order sent, while the loading thread goes on — a backtest's SQLite inserts
 * (~6 µs a row: ~1.4 s of an hour's tape) leave its thread. Synchronous on this side, by design: a backtest
 * runs as one synchronous call (the simulated runtime), so no event reaches it; it waits on shared status
 * words instead (`Atomics.wait`), which the writer moves after every batch. `settle` waits until everything
 * sent is written (before any read, and at close); a writer that fails stops writing, and `failure` /
 * `settle` answer its error text from then on.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads"
import { COLUMNS, INSERT, ROWS, WORD_COUNT, WORDS } from "./bulkProtocol.js"

export interface BulkWriter {
  /** sends rows (flattened: `COLUMNS` values a row) to be written after everything sent before */
  readonly send: (rows: Array<unknown>) => void
  /** the writer's failure, if it is known to have failed (does not wait) */
  readonly failure: () => string | undefined
  /** waits until everything sent is written; the failure's text if the writer failed */
  readonly settle: () => string | undefined
  /**
   * settles, then stops the writer (its connection closed); the failure's text if any. A writer sent nothing
   * is stopped without waiting for it to start.
   */
  readonly close: () => string | undefined
}

/** A writer that makes no progress for this long is given up on (its thread has died). */
const STALLED_MS = 30_000

/** Starts the writer of the journal at `path` (its table made already, in WAL mode). */
export const start = (path: string): BulkWriter => {
  const status = new SharedArrayBuffer(WORD_COUNT * Int32Array.BYTES_PER_ELEMENT)
  const state = new Int32Array(status)
  const { port1, port2 } = new MessageChannel()
  const worker = new Worker(new URL("./journalWriter.mjs", import.meta.url), {
    workerData: {
      path,
      status,
      errors: port2,
      columns: COLUMNS,
      rows: ROWS,
      insertOne: INSERT(1),
      insertMany: INSERT(ROWS),
      words: WORDS
    },
    transferList: [port2]
  })
  // never what keeps the process alive: the journal's scope closes it (a process that exits first loses what
  // was not written, as it would lose what a buffer held)
  worker.unref()
  let sent = 0
  let failed: string | undefined

  const failure = (): string | undefined => {
    if (failed === undefined && Atomics.load(state, WORDS.failed) === 1) {
      const m = receiveMessageOnPort(port1)
      failed = m === undefined ? "the journal's writer failed" : String(m.message)
    }
    return failed
  }

  /** waits until word `w` reaches `target` or the writer fails; false if it made no progress for `STALLED_MS` */
  const waitFor = (w: number, target: number): boolean => {
    let last = Atomics.load(state, w)
    let still = 0
    while (last < target && failure() === undefined) {
      Atomics.wait(state, w, last, 1_000)
      const now = Atomics.load(state, w)
      if (now === last) {
        still += 1_000
        if (still >= STALLED_MS) return false
      } else still = 0
      last = now
    }
    return true
  }

  const settle = (): string | undefined =>
    waitFor(WORDS.applied, sent)
      ? failure()
      : (failure() ?? `the journal's writer has not answered for ${STALLED_MS / 1000} s`)

  const close = (): string | undefined => {
    if (sent === 0) {
      void worker.terminate()
      port1.close()
      return undefined
    }
    const settled = settle()
    worker.postMessage("close")
    const closed = waitFor(WORDS.closed, 1)
    if (!closed) void worker.terminate()
    port1.close()
    return settled ?? failure() ?? (closed ? undefined : "the journal's writer did not close")
  }

  return {
    send: (rows) => {
      sent++
      worker.postMessage(rows)
    },
    failure,
    settle,
    close
  }
}
