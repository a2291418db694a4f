/** What a bulk-loaded journal and its writer thread share: the row layout, the statements, the status words. */

/** Columns of a row, in this order: ts, kind, venue, strategy, symbol, client_order_id, order_id, data (JSON). */
export const COLUMNS = 8
/** Rows to one multi-row INSERT. */
export const ROWS = 64

export const INSERT = (rows: number): string =>
  `INSERT INTO journal (ts, kind, venue, strategy, symbol, client_order_id, order_id, data) VALUES ${Array(rows)
    .fill("(?, ?, ?, ?, ?, ?, ?, ?)")
    .join(", ")}`

/** Status words (Int32): batches done (written, or skipped after a failure), a failure seen, closed. */
export const WORDS = { applied: 0, failed: 1, closed: 2 } as const
export const WORD_COUNT = 3
