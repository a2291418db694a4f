/** A config loaded for a command that needs all of it (venues, strategies, risk): every plugin's schema. */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as App from "./App.js"
import { CliFailure } from "./CliCommon.js"
import { registry } from "./Plugins.js"

export const loadOrExplain = (file: string) =>
  App.load(file, registry).pipe(
    Effect.tapError((e) => Console.error(e.message)),
    Effect.mapError((e) => new CliFailure({ message: e._tag === "ConfigError" ? "invalid config" : String(e) }))
  )
