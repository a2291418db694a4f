/** What every command shares: the config option, the default config, the clean failure type. */
import { resolve as resolvePath } from "node:path"
import { fileURLToPath } from "node:url"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as App from "./App.js"
import { registry } from "./Plugins.js"

export const defaultConfig = fileURLToPath(new URL("../config/sim.yaml", import.meta.url))

export const configOption = Options.file("config", { exists: "yes" }).pipe(
  Options.withAlias("c"),
  Options.withDescription(`config file (YAML or JSON); default: the embedded simulator (${defaultConfig})`),
  Options.optional
)

export const configPath = (o: Option.Option<string>) => resolvePath(Option.getOrElse(o, () => defaultConfig))

export class CliFailure extends Schema.TaggedError<CliFailure>()("CliFailure", { message: Schema.String }) {}

export const loadOrExplain = (file: string) =>
  App.load(file, registry).pipe(
    Effect.tapError((e) => Console.error(e.message)),
    Effect.mapError((e) => new CliFailure({ message: e._tag === "ConfigError" ? "invalid config" : String(e) }))
  )
