/** Chunk framing of a tape file (synchronous; callers wrap it in an Effect edge). */
import { closeSync, fstatSync, openSync, readSync } from "node:fs"
import { gunzipSync } from "node:zlib"
import { MAGIC, type TapeRecord } from "../Tape.js"

export interface Chunk {
  /** byte offset of the chunk's header */
  readonly offset: number
  /** offset just past it */
  readonly end: number
  readonly records: ReadonlyArray<TapeRecord>
}

export type ChunkResult =
  | { readonly _tag: "Chunk"; readonly chunk: Chunk }
  /** the file's remaining bytes do not form a whole, valid chunk (a crash while writing it) */
  | { readonly _tag: "Torn"; readonly offset: number; readonly reason: string }
  | { readonly _tag: "End" }

const readExact = (fd: number, length: number, position: number): Buffer | undefined => {
  const buf = Buffer.allocUnsafe(length)
  let got = 0
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got)
    if (n === 0) return undefined
    got += n
  }
  return buf
}

export const decodeRecords = (data: Buffer): ReadonlyArray<TapeRecord> => {
  const text = data.toString("utf8")
  const out: Array<TapeRecord> = []
  let from = 0
  while (from < text.length) {
    let nl = text.indexOf("\n", from)
    if (nl < 0) nl = text.length
    if (nl > from) out.push(JSON.parse(text.slice(from, nl)) as TapeRecord)
    from = nl + 1
  }
  return out
}

/** Reads the chunk at `offset` of an open tape file. */
export const readChunk = (fd: number, offset: number, size: number): ChunkResult => {
  if (offset >= size) return { _tag: "End" }
  if (offset + 4 > size) return { _tag: "Torn", offset, reason: "a chunk header is cut short" }
  const head = readExact(fd, 4, offset)
  if (head === undefined) return { _tag: "Torn", offset, reason: "a chunk header is cut short" }
  const length = head.readUInt32BE(0)
  if (length === 0 || offset + 4 + length > size) {
    return { _tag: "Torn", offset, reason: `a chunk of ${length} bytes is cut short` }
  }
  const body = readExact(fd, length, offset + 4)
  if (body === undefined) return { _tag: "Torn", offset, reason: "a chunk is cut short" }
  try {
    const records = decodeRecords(gunzipSync(body))
    return { _tag: "Chunk", chunk: { offset, end: offset + 4 + length, records } }
  } catch (e) {
    return { _tag: "Torn", offset, reason: `a chunk does not decode (${e instanceof Error ? e.message : String(e)})` }
  }
}

/** Opens a tape file and checks its magic; returns the descriptor and size (throws with a message otherwise). */
export const openFile = (path: string): { readonly fd: number; readonly size: number } => {
  const fd = openSync(path, "r")
  const size = fstatSync(fd).size
  const magic = size >= MAGIC.length ? readExact(fd, MAGIC.length, 0) : undefined
  if (magic === undefined || !magic.equals(MAGIC)) {
    closeSync(fd)
    throw new Error(`${path} is not a tape file (bad magic)`)
  }
  return { fd, size }
}

export interface FileScan {
  /** end of the last whole chunk */
  readonly goodEnd: number
  readonly size: number
  readonly chunks: number
  readonly records: number
  readonly from: number
  readonly to: number
  readonly torn: string | undefined
}

/** Walks a whole file: its whole chunks, their records and times, and a torn tail if any. */
export const scanFile = (path: string): FileScan => {
  const { fd, size } = openFile(path)
  try {
    let offset = MAGIC.length
    let chunks = 0
    let records = 0
    let from = 0
    let to = 0
    for (;;) {
      const r = readChunk(fd, offset, size)
      if (r._tag === "End") return { goodEnd: offset, size, chunks, records, from, to, torn: undefined }
      if (r._tag === "Torn") return { goodEnd: offset, size, chunks, records, from, to, torn: r.reason }
      chunks++
      records += r.chunk.records.length
      for (const rec of r.chunk.records) {
        if (from === 0) from = rec.t
        to = rec.t
      }
      offset = r.chunk.end
    }
  } finally {
    closeSync(fd)
  }
}
