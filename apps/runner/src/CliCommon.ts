/**
 * What every command shares: the config option, the default config, the clean failure type, and `lazily`: a
 * command's work lives in a module loaded when that command runs, so `--help` and the control commands start
 * without loading every venue, the simulator and the backtester (this module stays light for that reason).
 */
import { readFileSync } from "node:fs"
import { resolve as resolvePath } from "node:path"
import { fileURLToPath } from "node:url"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as ConfigFile from "./ConfigFile.js"

export const defaultConfig = fileURLToPath(new URL("../config/sim.yaml", import.meta.url))

export const configOption = Options.file("config", { exists: "yes" }).pipe(
  Options.withAlias("c"),
  Options.withDescription(`config file (YAML or JSON); default: the embedded simulator (${defaultConfig})`),
  Options.optional
)

export const configPath = (o: Option.Option<string>) => resolvePath(Option.getOrElse(o, () => defaultConfig))

export class CliFailure extends Schema.TaggedError<CliFailure>()("CliFailure", { message: Schema.String }) {}

/** A command's work, from a module loaded when the command runs. */
export const lazily = <M, A, E, R>(
  load: () => Promise<M>,
  f: (m: M) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => Effect.flatMap(Effect.promise(load), f)

/**
 * A config's journal path: `--journal`, or the config file's `journal.path` — read from the file alone (no
 * venue or strategy section is decoded: no credentials are needed, and a config edited since the bot started
 * does not stop anyone from reaching it).
 */
export const journalPathOf = (journal: Option.Option<string>, config: Option.Option<string>) =>
  Effect.gen(function* () {
    if (Option.isSome(journal)) return resolvePath(journal.value)
    const file = configPath(config)
    const text = yield* Effect.try({
      try: () => readFileSync(file, "utf8"),
      catch: () => new CliFailure({ message: `cannot read the config ${file}` })
    })
    const doc = ConfigFile.parseText(text)
    if (Either.isLeft(doc)) return yield* new CliFailure({ message: `invalid config ${file}: ${doc.left[0]?.message}` })
    const j = (doc.right as { journal?: { path?: unknown } } | null)?.journal?.path
    const issues: Array<ConfigFile.Issue> = []
    const path = ConfigFile.resolveEnv(typeof j === "string" ? j : "alpha-hunter.sqlite", process.env, [], issues)
    if (issues.length > 0) return yield* new CliFailure({ message: `journal.path: ${issues[0]!.message}` })
    return resolvePath(String(path))
  })
