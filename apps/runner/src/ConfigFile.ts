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
