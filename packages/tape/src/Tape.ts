/**
 * The tape: a venue's public market data as it arrived, for replay and backtests.
 *
 * A tape is a directory of files `tape-000001.aht`, `tape-000002.aht`, … (rotated by size and age) and an
 * `index.json` naming each file with its time span and record count. A file is an 8-byte magic followed by
 * chunks; a chunk is a 4-byte big-endian length and a gzip member holding newline-separated JSON records.
 * gzip's own CRC-32 and length check every chunk, so a chunk torn by a crash (short, or corrupt) is detected:
 * readers skip it and report it, and a writer resuming on the directory cuts it off before appending.
 *
 * Records (one JSON object per line, `t` = epoch ms the recorder received it):
 * - `frame`: a raw WebSocket text frame exactly as received, with its `sid` and `seq` lifted out when present;
 * - `market`: a market definition (the core `Market`, Schema-encoded) — written at start and on changes;
 * - `program`: an incentive program (the core `IncentiveProgram`, Schema-encoded);
 * - `gap`: data may be missing between the records around it (a reconnect, a seq gap, a recorder restart,
 *   a torn chunk) — never papered over;
 * - `meta`: who recorded what (venue, source URL, markets subscribed), at the start of every file.
 */
import * as Data from "effect/Data"

export const MAGIC = Buffer.from("AHTAPE1\n", "latin1")
export const INDEX = "index.json"

export interface FrameRecord {
  readonly k: "frame"
  readonly t: number
  readonly sid?: number
  readonly seq?: number
  readonly raw: string
}
export interface MarketRecord {
  readonly k: "market"
  readonly t: number
  readonly market: unknown
}
export interface ProgramRecord {
  readonly k: "program"
  readonly t: number
  readonly program: unknown
}
export interface GapRecord {
  readonly k: "gap"
  readonly t: number
  readonly reason: string
  /** the markets affected (all when absent) */
  readonly symbols?: ReadonlyArray<string>
}
export interface MetaRecord {
  readonly k: "meta"
  readonly t: number
  readonly venue: string
  readonly source: string
  readonly symbols: ReadonlyArray<string>
}
export type TapeRecord = FrameRecord | MarketRecord | ProgramRecord | GapRecord | MetaRecord

/** One file of a tape as the index names it. */
export interface FileEntry {
  readonly file: string
  /** epoch ms of its first and last record (0 when empty) */
  readonly from: number
  readonly to: number
  readonly records: number
  readonly chunks: number
  readonly bytes: number
}

export interface Index {
  readonly version: 1
  readonly files: ReadonlyArray<FileEntry>
}

export class TapeError extends Data.TaggedError("TapeError")<{ readonly message: string; readonly cause?: unknown }> {}

export const fileName = (n: number): string => `tape-${String(n).padStart(6, "0")}.aht`
export const fileNumber = (name: string): number | undefined => {
  const m = /^tape-(\d{6})\.aht$/.exec(name)
  return m === null ? undefined : Number(m[1])
}

/** Lifts `sid` and `seq` out of a raw Kalshi-style envelope without parsing the whole frame. */
export const frameRecord = (t: number, raw: string): FrameRecord => {
  const sid = /"sid":(\d+)/.exec(raw)
  const seq = /"seq":(\d+)/.exec(raw)
  return {
    k: "frame",
    t,
    ...(sid !== null ? { sid: Number(sid[1]) } : {}),
    ...(seq !== null ? { seq: Number(seq[1]) } : {}),
    raw
  }
}
