/**
 * A config changed from the command line: `path=value` assignments (`--set`, and each point of a sweep's grid)
 * applied to the raw config before it is resolved, so a value is checked exactly as if it were in the file.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { CliFailure } from "./CliCommon.js"
import * as ConfigFile from "./ConfigFile.js"
import { registry } from "./Plugins.js"
import { type Resolved, resolve } from "./Resolve.js"

/** `a.b.c=value` → the raw config with that value, of the type of the value it replaces (else a number, boolean or string). */
export const setPath = (raw: unknown, assignment: string): Either.Either<unknown, string> => {
  const eq = assignment.indexOf("=")
  if (eq <= 0) return Either.left(`--set: expected path=value, got "${assignment}"`)
  const path = assignment.slice(0, eq).split(".")
  const text = assignment.slice(eq + 1)
  const guess: unknown = text === "true" ? true : text === "false" ? false : /^-?\d+$/.test(text) ? Number(text) : text
  const root = structuredClone(raw) as Record<string, unknown>
  let cur: Record<string, unknown> = root
  for (const k of path.slice(0, -1)) {
    const next = cur[k]
    if (next === undefined || next === null) cur[k] = {}
    else if (typeof next !== "object") return Either.left(`--set: ${path.join(".")}: ${k} is not a section`)
    cur = cur[k] as Record<string, unknown>
  }
  // the value keeps the type of the one it replaces (a decimal string stays a string); new keys are guessed
  const key = path[path.length - 1]!
  const before = cur[key]
  cur[key] =
    typeof before === "string"
      ? text
      : typeof before === "number"
        ? Number(text)
        : typeof before === "boolean"
          ? text === "true"
          : guess
  if (typeof cur[key] === "number" && Number.isNaN(cur[key]))
    return Either.left(`--set: ${path.join(".")}: "${text}" is not a number`)
  return Either.right(root)
}

/** Every assignment applied in order, or the first one that does not apply. */
export const setAll = (raw: unknown, sets: ReadonlyArray<string>): Either.Either<unknown, string> => {
  let out: Either.Either<unknown, string> = Either.right(raw)
  for (const s of sets) out = Either.flatMap(out, (r) => setPath(r, s))
  return out
}

/** Reads a config file and applies `--set` assignments: the raw config, or one clean line per problem. */
export const readWith = (file: string, sets: ReadonlyArray<string>): Effect.Effect<unknown, CliFailure> =>
  ConfigFile.readFile(file).pipe(
    Effect.tapError((e) => Console.error(e.message)),
    Effect.mapError(() => new CliFailure({ message: "invalid config" })),
    Effect.flatMap((raw) =>
      Either.match(setAll(raw, sets), {
        onLeft: (message) => Effect.fail(new CliFailure({ message })),
        onRight: Effect.succeed
      })
    )
  )

/** Resolves a raw config against the plugins, printing its issues (`label` names it in the messages). */
export const resolveRaw = (label: string, raw: unknown): Effect.Effect<Resolved, CliFailure> => {
  const resolved = resolve(label, raw, registry)
  return Either.isRight(resolved)
    ? Effect.succeed(resolved.right)
    : Effect.zipRight(Console.error(resolved.left.message), Effect.fail(new CliFailure({ message: "invalid config" })))
}

/** Reads a config, applies `--set` assignments, resolves it; one clean line per problem. */
export const loadWith = (file: string, sets: ReadonlyArray<string>): Effect.Effect<Resolved, CliFailure> =>
  Effect.flatMap(readWith(file, sets), (raw) => resolveRaw(file, raw))
