/**
 * Reads a tape in order, one chunk in memory at a time (memory stays flat with tape length). The files are
 * taken from the directory (the index may lag the last chunk); a torn or corrupt chunk ends its file's
 * records and is reported as a `gap` record in its place, so replay knows data is missing there.
 */
import { closeSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { openFile, readChunk } from "./internal/chunks.js"
import { fileNumber, INDEX, type Index, MAGIC, TapeError, type TapeRecord } from "./Tape.js"

export interface TapeReader {
  readonly dir: string
  readonly files: ReadonlyArray<string>
  /** the index as written (undefined when the directory has none) */
  readonly index: Index | undefined
  /** every record in order (synchronous: for replay kernels); torn chunks come out as `gap` records */
  readonly records: () => Generator<TapeRecord, void, undefined>
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** The records of one file, in order; a torn chunk ends it with a `gap` record. */
export function* fileRecords(path: string): Generator<TapeRecord, void, undefined> {
  const { fd, size } = openFile(path)
  try {
    let offset = MAGIC.length
    let lastT = 0
    for (;;) {
      const r = readChunk(fd, offset, size)
      if (r._tag === "End") return
      if (r._tag === "Torn") {
        yield { k: "gap", t: lastT, reason: `torn chunk skipped in ${path}: ${r.reason}` }
        return
      }
      for (const rec of r.chunk.records) {
        lastT = rec.t
        yield rec
      }
      offset = r.chunk.end
    }
  } finally {
    closeSync(fd)
  }
}

/** Opens the tape in `dir`: fails with a one-line `TapeError` when it is missing or not a tape. */
export const open = (dir: string): Effect.Effect<TapeReader, TapeError> =>
  Effect.try({
    try: () => {
      if (!existsSync(dir)) throw new Error(`no tape at ${dir} (no such directory)`)
      if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a tape directory`)
      const files = readdirSync(dir)
        .filter((n) => fileNumber(n) !== undefined)
        .sort()
      if (files.length === 0) throw new Error(`no tape at ${dir} (no tape-*.aht files)`)
      let index: Index | undefined
      if (existsSync(join(dir, INDEX))) {
        try {
          index = JSON.parse(readFileSync(join(dir, INDEX), "utf8")) as Index
        } catch {
          index = undefined
        }
      }
      // every file must at least start like a tape file
      for (const f of files) closeSync(openFile(join(dir, f)).fd)
      const records = function* () {
        for (const f of files) yield* fileRecords(join(dir, f))
      }
      return { dir, files, index, records } satisfies TapeReader
    },
    catch: (e) => new TapeError({ message: messageOf(e), cause: e })
  })
