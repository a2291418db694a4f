/**
 * One market's book as the feed keeps it (`BookSlot`: the integer ladder on its grid, validity, its
 * subscription) and the view a strategy takes of it. Written only by the feed's processor fiber, through
 * `frames.ts`'s step and controls.
 */
import { Decimal as D, Ids, OrderBook, type TickGrid } from "@alpha-hunter/core"
import type { Change } from "./frames.js"

/** The amount of one lot (0.01 contract). */
export const LOT = D.d("0.01")

/** One market's book as the feed keeps it. Written only by the processor fiber (through `step` and the controls). */
export interface BookSlot {
  readonly symbol: string
  readonly sym: Ids.Symbol
  grid: TickGrid.TickGrid
  /** $0.0001 units → level (the grid's unit table), when the grid has one */
  table: Int32Array | undefined
  ladder: OrderBook.BookLadder
  /** invalid books are never shown (views read `undefined`) until a snapshot heals them */
  valid: boolean
  /** the subscription that carries it on this connection */
  sid: number | undefined
  lastUpdate: number
  /** the change "this book changed" (one per book, so the hot path allocates nothing) */
  readonly changed: Change
  /** the last view taken (readers of one version share it) */
  view: OrderBook.BookSnapshot | undefined
}

export const makeBook = (symbol: string, grid: TickGrid.TickGrid): BookSlot => {
  const slot = {
    symbol,
    sym: Ids.Symbol.make(symbol),
    grid,
    table: grid.unitIndex(4),
    ladder: new OrderBook.BookLadder(grid.size),
    valid: false,
    sid: undefined,
    lastUpdate: 0,
    changed: undefined as unknown as Change,
    view: undefined as OrderBook.BookSnapshot | undefined
  }
  ;(slot as { changed: Change }).changed = { _tag: "Book", book: slot }
  return slot
}

/**
 * What a strategy sees of a book: an immutable integer view, or `undefined` while the book is invalid. Taken
 * once per version (versions only grow, across snapshots and regrids): readers of the same version share it.
 */
export const viewOf = (b: BookSlot): OrderBook.BookSnapshot | undefined => {
  if (!b.valid) return undefined
  const v = b.view
  if (v !== undefined && v.version === b.ladder.version && v.grid === b.grid) return v
  const fresh = b.ladder.snapshot(b.sym, b.grid, LOT)
  b.view = fresh
  return fresh
}
