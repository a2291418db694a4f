/**
 * Reading a config file: YAML (JSON is valid YAML too), `${ENV}` references resolved in string values, then
 * decoded by a Schema with unknown keys refused. Every problem is reported with its path in the file and
 * the expected form, e.g. `strategies.mm.params.minSpreadTicks: Expected an integer ≥ 1, got "two"`.
 */

import { readFileSync } from "node:fs"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { parseDocument } from "yaml"

export interface Issue {
  readonly path: string
  readonly message: string
}

export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  file: Schema.String,
  issues: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))
}) {
  override get message(): string {
    const lines = this.issues.map((i) => `  ${i.path === "" ? "(top level)" : i.path}: ${i.message}`)
    return `invalid config ${this.file}:\n${lines.join("\n")}`
  }
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/** Replaces `${NAME}` / `${NAME:-default}` in every string of a parsed document. */
export const resolveEnv = (
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: ReadonlyArray<string | number> = [],
  issues: Array<Issue> = []
): unknown => {
  if (typeof value === "string") {
    return value.replace(ENV_REF, (whole, name: string, fallback: string | undefined) => {
      const v = env[name]
      if (v !== undefined && v !== "") return v
      if (fallback !== undefined) return fallback
      issues.push({
        path: formatPath(path),
        message: `environment variable ${name} is not set (referenced as ${whole})`
      })
      return whole
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnv(v, env, [...path, i], issues))
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, resolveEnv(v, env, [...path, k], issues)])
    )
  }
  return value
}

export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("")

/** Schema issues → `{ path, message }`, with a prefix for sections decoded separately. */
export const issuesOf = (error: ParseResult.ParseError, prefix: ReadonlyArray<PropertyKey> = []): Array<Issue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({
    path: formatPath([...prefix, ...i.path]),
    message: i.message
  }))

/** The value at an issue's path in the raw document (`a.b[2].c`), if there is one. */
const valueAt = (raw: unknown, path: string): unknown => {
  let v: unknown = raw
  for (const part of path.split(/\.|(?=\[)/)) {
    if (part === "") continue
    if (v === null || typeof v !== "object") return undefined
    const key = part.startsWith("[") ? Number(part.slice(1, -1)) : part
    v = (v as Record<string | number, unknown>)[key]
  }
  return v
}

/**
 * Issues as the user reads them: each once, one line each; the "Expected undefined" alternative of an
 * optional key dropped when the key's real problem is reported; a number where a string (a decimal, e.g. a
 * price or a limit) is expected gets the fix: `write it as a string: "0.05"`.
 */
export const tidy = (issues: ReadonlyArray<Issue>, raw: unknown): ReadonlyArray<Issue> => {
  const seen = new Set<string>()
  const out: Array<Issue> = []
  for (const i of issues) {
    const message = i.message.replace(/\s*\n\s*/g, " ")
    const key = `${i.path}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    if (
      message.startsWith("Expected undefined, actual") &&
      issues.some(
        (o) =>
          o !== i &&
          !o.message.startsWith("Expected undefined") &&
          (o.path === i.path || o.path.startsWith(`${i.path}.`) || o.path.startsWith(`${i.path}[`))
      )
    ) {
      continue
    }
    const actual = valueAt(raw, i.path)
    out.push(
      typeof actual === "number" && /^Expected (string|DecimalString|Decimal)/.test(message)
        ? { path: i.path, message: `${message}; write it as a string: "${String(actual)}"` }
        : { path: i.path, message }
    )
  }
  return out
}

/** Parses YAML/JSON text; syntax errors come back as issues with line numbers. */
export const parseText = (text: string): Either.Either<unknown, ReadonlyArray<Issue>> => {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    return Either.left(doc.errors.map((e) => ({ path: `line ${e.linePos?.[0]?.line ?? "?"}`, message: e.message })))
  }
  return Either.right(doc.toJS() ?? {})
}

/** Decodes `value` with `schema`, refusing unknown keys; issues carry `prefix`. */
export const decodeWith = <A, I>(
  schema: Schema.Schema<A, I>,
  value: unknown,
  prefix: ReadonlyArray<PropertyKey> = []
): Either.Either<A, ReadonlyArray<Issue>> =>
  Either.mapLeft(Schema.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "all" })(value), (e) =>
    issuesOf(e, prefix)
  )

/** Reads and env-resolves a config file (not yet decoded). */
export const readFile = (file: string, env: Readonly<Record<string, string | undefined>> = process.env) =>
  Effect.gen(function* () {
    const text = yield* Effect.try({
      try: () => readFileSync(file, "utf8"),
      catch: (e) => new ConfigError({ file, issues: [{ path: "", message: `cannot read the file: ${String(e)}` }] })
    })
    const parsed = parseText(text)
    if (Either.isLeft(parsed)) return yield* new ConfigError({ file, issues: parsed.left })
    const issues: Array<Issue> = []
    const resolved = resolveEnv(parsed.right, env, [], issues)
    if (issues.length > 0) return yield* new ConfigError({ file, issues })
    return resolved
  })
