/**
 * Signal sources for execution mode: position targets from the config list and from a JSON-lines file that
 * is watched (polled: re-read when its size or modification time changes). Each line is one target
 * (`{"symbol":"X","position":"25","maxPrice":"0.60"}`); the last line per symbol wins; a bad line is logged
 * with its line number and skipped.
 */
import { readFile, stat } from "node:fs/promises"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { Target } from "./MakerConfig.js"

const decodeLine = Schema.decodeUnknownEither(Schema.parseJson(Target), { onExcessProperty: "error" })

export interface Parsed {
  readonly targets: ReadonlyMap<string, Target>
  readonly errors: ReadonlyArray<string>
}

/** Parses JSON-lines text into targets by symbol (last wins). Blank lines and `#` comments are ignored. */
export const parseLines = (text: string): Parsed => {
  const targets = new Map<string, Target>()
  const errors: Array<string> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === "" || line.startsWith("#")) continue
    const r = decodeLine(line)
    if (Either.isLeft(r)) errors.push(`line ${i + 1}: ${ParseResult.TreeFormatter.formatErrorSync(r.left)}`)
    else targets.set(r.right.symbol, r.right)
  }
  return { targets, errors }
}

/** A file could not be read (the watcher logs it and tries again on the next poll). */
export class SignalFileError extends Schema.TaggedError<SignalFileError>()("SignalFileError", {
  path: Schema.String,
  message: Schema.String
}) {}

const fileStamp = (path: string) =>
  Effect.tryPromise({
    try: () => stat(path),
    catch: (e) => new SignalFileError({ path, message: String(e) })
  }).pipe(Effect.map((s) => `${s.size}:${s.mtimeMs}`))

const readText = (path: string) =>
  Effect.tryPromise({
    try: (signal) => readFile(path, { encoding: "utf8", signal }),
    catch: (e) => new SignalFileError({ path, message: String(e) })
  })

/**
 * Watches a JSON-lines file: calls `onTargets` with the full target set whenever the file changes.
 * Runs until interrupted; time between polls comes from Clock.
 */
export const watchFile = (
  path: string,
  pollMs: number,
  onTargets: (targets: ReadonlyMap<string, Target>) => Effect.Effect<void>
): Effect.Effect<never> =>
  Effect.gen(function* () {
    let last = ""
    while (true) {
      const step = Effect.gen(function* () {
        const stamp = yield* fileStamp(path)
        if (stamp === last) return
        const parsed = parseLines(yield* readText(path))
        last = stamp
        for (const e of parsed.errors) yield* Effect.logWarning(`signal file ${path}: ${e}`)
        yield* onTargets(parsed.targets)
      })
      yield* step.pipe(Effect.catchAll((e) => Effect.logWarning(`signal file ${path}: ${e.message}`)))
      yield* Effect.sleep(pollMs)
    }
  })
