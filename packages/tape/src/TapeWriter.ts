/**
 * Writes a tape: records are buffered and written as one gzip chunk per `flushEvery` (or every
 * `chunkRecords`), files rotate by size and age, and `index.json` is rewritten (atomically: a temporary file
 * renamed over it) after every chunk.
 *
 * Resuming: opening a directory that already holds a tape cuts a torn last chunk off its last file, rebuilds
 * the index from the files, starts a new file and writes a `gap` record ("recorder restarted"): what happened
 * while the recorder was down is missing, and the tape says so.
 *
 * The writer's state is owned by the writer (each operation is one synchronous step, so fibers never see it
 * half-changed; with `compress: "thread"` a chunk's records are taken in one step, compressed on the thread
 * pool, and written in one step, one chunk at a time); a crash loses at most the records buffered since the
 * last chunk, and leaves at most one torn chunk, which readers skip and a resuming writer cuts off.
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  writeFileSync,
  writeSync
} from "node:fs"
import { join } from "node:path"
import { gzip, gzipSync } from "node:zlib"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { scanFile } from "./internal/chunks.js"
import {
  type FileEntry,
  fileName,
  fileNumber,
  INDEX,
  type Index,
  MAGIC,
  type MetaRecord,
  TapeError,
  type TapeRecord
} from "./Tape.js"

export interface WriterOptions {
  /** start a new file past this many bytes (default 64 MiB) */
  readonly rotateBytes?: number
  /** start a new file when the current one spans this long (default 1 hour) */
  readonly rotateAfter?: Duration.DurationInput
  /** write a chunk at least this often (default 1 second) */
  readonly flushEvery?: Duration.DurationInput
  /** … or when this many records are buffered (default 5 000) */
  readonly chunkRecords?: number
  /** gzip level 1–9 (default 6) */
  readonly level?: number
  /**
   * where chunks are compressed: `inline` (default: on the caller's thread, synchronously) or `thread` (on
   * libuv's thread pool, so a writer beside a live bot never stalls its event loop; `appendAll` then waits
   * for a full chunk to be written)
   */
  readonly compress?: "inline" | "thread"
  /** written first in every file */
  readonly meta: Omit<MetaRecord, "k" | "t">
}

export interface WriterStats {
  readonly files: number
  readonly chunks: number
  readonly records: number
  /** bytes of JSON before compression, and written after */
  readonly rawBytes: number
  readonly bytes: number
  /** time spent encoding and compressing chunks (ms, CPU on the writer's thread) */
  readonly compressMs: number
  /** on open: torn chunks cut off a previous run's last file */
  readonly tornCut: number
  readonly resumed: boolean
}

export interface TapeWriter {
  readonly dir: string
  /** buffers a record (written with the next chunk) */
  readonly append: (record: TapeRecord) => Effect.Effect<void, TapeError>
  readonly appendAll: (records: ReadonlyArray<TapeRecord>) => Effect.Effect<void, TapeError>
  /** writes what is buffered as one chunk now */
  readonly flush: Effect.Effect<void, TapeError>
  readonly stats: Effect.Effect<WriterStats>
}

/** A chunk's text taken from the buffer, with its record count and time span, before compression. */
interface PendingChunk {
  readonly text: string
  readonly count: number
  readonly from: number
  readonly to: number
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** Reads the existing files of a tape directory (cutting a torn tail off the last one). */
const resume = (dir: string): { files: Array<FileEntry>; next: number; tornCut: number } => {
  const names = readdirSync(dir)
    .filter((n) => fileNumber(n) !== undefined)
    .sort()
  const files: Array<FileEntry> = []
  let tornCut = 0
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!
    const path = join(dir, name)
    const scan = scanFile(path)
    if (scan.torn !== undefined && i === names.length - 1) {
      const fd = openSync(path, "r+")
      try {
        ftruncateSync(fd, scan.goodEnd)
      } finally {
        closeSync(fd)
      }
      tornCut++
    }
    files.push({
      file: name,
      from: scan.from,
      to: scan.to,
      records: scan.records,
      chunks: scan.chunks,
      bytes: scan.torn !== undefined && i === names.length - 1 ? scan.goodEnd : scan.size
    })
  }
  const last = names.length === 0 ? 0 : fileNumber(names[names.length - 1]!)!
  return { files, next: last + 1, tornCut }
}

export const writeIndex = (dir: string, files: ReadonlyArray<FileEntry>): void => {
  const index: Index = { version: 1, files }
  const tmp = join(dir, `${INDEX}.tmp`)
  writeFileSync(tmp, `${JSON.stringify(index, null, 1)}\n`)
  renameSync(tmp, join(dir, INDEX))
}

/** Opens (creating, or resuming) the tape in `dir` for the life of the scope; the last chunk is written on close. */
export const make = (dir: string, options: WriterOptions): Effect.Effect<TapeWriter, TapeError, Scope.Scope> =>
  Effect.gen(function* () {
    const rotateBytes = options.rotateBytes ?? 64 * 1024 * 1024
    const rotateMs = Duration.toMillis(Duration.decode(options.rotateAfter ?? "1 hour"))
    const chunkRecords = options.chunkRecords ?? 5000
    const level = options.level ?? 6
    const offThread = options.compress === "thread"
    const opened = yield* Effect.try({
      try: () => {
        mkdirSync(dir, { recursive: true })
        return resume(dir)
      },
      catch: (e) => new TapeError({ message: `cannot open the tape at ${dir}: ${messageOf(e)}`, cause: e })
    })
    const files = opened.files
    const resumed = files.length > 0
    const st = {
      fd: -1,
      number: opened.next,
      entry: undefined as FileEntry | undefined,
      /** the meta line of a file just opened (it leads the file's first chunk) */
      meta: undefined as { readonly t: number; readonly line: string } | undefined,
      buffer: [] as Array<string>,
      firstT: 0,
      lastT: 0,
      stats: {
        files: 0,
        chunks: 0,
        records: 0,
        rawBytes: 0,
        bytes: 0,
        compressMs: 0,
        tornCut: opened.tornCut,
        resumed
      } satisfies WriterStats as { -readonly [K in keyof WriterStats]: WriterStats[K] }
    }

    const fail = (what: string) => (e: unknown) =>
      new TapeError({ message: `tape ${dir}: cannot ${what}: ${messageOf(e)}`, cause: e })

    const openNext = (t: number) => {
      const name = fileName(st.number++)
      const fd = openSync(join(dir, name), "wx")
      writeSync(fd, MAGIC)
      st.fd = fd
      st.entry = { file: name, from: 0, to: 0, records: 0, chunks: 0, bytes: MAGIC.length }
      files.push(st.entry)
      st.stats.files++
      st.meta = { t, line: JSON.stringify({ k: "meta", t, ...options.meta } satisfies MetaRecord) }
    }

    /** Takes the buffered records as the next chunk's text (rotating first when the file is due). */
    const takeChunk = (): PendingChunk | undefined => {
      if (st.buffer.length === 0 && st.meta === undefined) return undefined
      const e = st.entry!
      if (st.buffer.length > 0 && (e.bytes >= rotateBytes || (e.from > 0 && st.firstT - e.from >= rotateMs))) {
        closeSync(st.fd)
        openNext(st.firstT)
      }
      const hadRecords = st.buffer.length > 0
      const lines = st.buffer
      let from = st.firstT
      if (st.meta !== undefined) {
        lines.unshift(st.meta.line)
        from = st.meta.t
        st.meta = undefined
      }
      const to = hadRecords ? st.lastT : from
      st.buffer = []
      return { text: `${lines.join("\n")}\n`, count: lines.length, from, to }
    }

    /** Writes a compressed chunk to the current file and the index after it. */
    const commit = (chunk: PendingChunk, body: Buffer) => {
      const head = Buffer.allocUnsafe(4)
      head.writeUInt32BE(body.length, 0)
      writeSync(st.fd, Buffer.concat([head, body]))
      const e = st.entry!
      const next: FileEntry = {
        file: e.file,
        from: e.from === 0 ? chunk.from : e.from,
        to: chunk.to,
        records: e.records + chunk.count,
        chunks: e.chunks + 1,
        bytes: e.bytes + 4 + body.length
      }
      files[files.length - 1] = next
      st.entry = next
      st.stats.chunks++
      st.stats.records += chunk.count
      st.stats.rawBytes += Buffer.byteLength(chunk.text)
      st.stats.bytes += 4 + body.length
      writeIndex(dir, files)
    }

    /**
     * A chunk that could not be written (its records were taken): the next chunk starts with a gap that says so —
     * the tape never papers over lost records, and nothing is re-buffered without bound on a failing disk.
     */
    const noteLost = (chunk: PendingChunk, cause: unknown) => {
      const reason = `${chunk.count} record(s) lost: a chunk could not be written (${messageOf(cause)})`
      st.buffer.unshift(JSON.stringify({ k: "gap", t: chunk.from, reason }))
      st.firstT = chunk.from
      if (st.buffer.length === 1) st.lastT = chunk.from
    }

    const writeChunk = () => {
      const started = performance.now()
      const chunk = takeChunk()
      if (chunk === undefined) return
      try {
        commit(chunk, gzipSync(chunk.text, { level }))
      } catch (e) {
        noteLost(chunk, e)
        throw e
      }
      st.stats.compressMs += performance.now() - started
    }

    // off-thread compression: one chunk at a time (a permit), never interrupted half-way (its records are taken)
    const permit = yield* Effect.makeSemaphore(1)
    const writeChunkOffThread = Effect.uninterruptible(
      permit.withPermits(1)(
        Effect.gen(function* () {
          const chunk = yield* Effect.try({ try: takeChunk, catch: fail("rotate") })
          if (chunk === undefined) return
          const started = performance.now()
          yield* Effect.gen(function* () {
            const body = yield* Effect.async<Buffer, TapeError>((resume) => {
              gzip(chunk.text, { level }, (err, out) =>
                resume(err === null ? Effect.succeed(out) : Effect.fail(fail("compress a chunk")(err)))
              )
            })
            st.stats.compressMs += performance.now() - started
            yield* Effect.try({ try: () => commit(chunk, body), catch: fail("write a chunk") })
          }).pipe(Effect.tapError((e) => Effect.sync(() => noteLost(chunk, e))))
        })
      )
    )

    const flush = offThread ? writeChunkOffThread : Effect.try({ try: writeChunk, catch: fail("write a chunk") })

    const push = (records: ReadonlyArray<TapeRecord>): boolean => {
      for (const r of records) {
        if (st.buffer.length === 0) st.firstT = r.t
        st.lastT = r.t
        st.buffer.push(JSON.stringify(r))
        if (!offThread && st.buffer.length >= chunkRecords) writeChunk()
      }
      return offThread && st.buffer.length >= chunkRecords
    }
    const appendAll = (records: ReadonlyArray<TapeRecord>) =>
      Effect.flatMap(Effect.try({ try: () => push(records), catch: fail("append") }), (full) =>
        full ? writeChunkOffThread : Effect.void
      )

    const start = yield* Effect.clockWith((c) => c.currentTimeMillis)
    yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          openNext(start)
          if (resumed) {
            st.firstT = start
            st.lastT = start
            st.buffer.push(
              JSON.stringify({ k: "gap", t: start, reason: "recorder restarted (data missing since the last record)" })
            )
          }
          writeChunk()
        },
        catch: fail("start a file")
      }),
      () =>
        (offThread ? Effect.orDie(writeChunkOffThread) : Effect.sync(writeChunk)).pipe(
          Effect.ensuring(Effect.sync(() => closeSync(st.fd))),
          Effect.catchAllDefect((d) => Effect.logError(`tape ${dir}: last chunk not written: ${messageOf(d)}`))
        )
    )
    yield* flush.pipe(
      Effect.catchAll((e) => Effect.logError(e.message)),
      Effect.repeat(Schedule.spaced(options.flushEvery ?? "1 second")),
      Effect.forkScoped
    )
    return {
      dir,
      append: (r) => appendAll([r]),
      appendAll,
      flush,
      stats: Effect.sync(() => ({ ...st.stats }))
    } satisfies TapeWriter
  })

/** Whether `dir` holds a tape (an index or a tape file). */
export const exists = (dir: string): boolean =>
  existsSync(join(dir, INDEX)) || (existsSync(dir) && readdirSync(dir).some((n) => fileNumber(n) !== undefined))
