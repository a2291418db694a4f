/**
 * `alpha-hunter sim` (= `pnpm sim`): the Kalshi simulator alone, for a bot (or any Kalshi client) in another
 * process. It prints its URLs, a generated key and the exact command that points the shipped
 * `config/external-sim.yaml` at it. Runs until SIGINT/SIGTERM.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CliFailure } from "./CliCommon.js"

export const externalSimConfig = fileURLToPath(new URL("../config/external-sim.yaml", import.meta.url))

export const sim = Command.make(
  "sim",
  {
    port: Options.integer("port").pipe(Options.withDefault(0), Options.withDescription("port (0 = any free port)")),
    host: Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("listen host")),
    seed: Options.integer("seed").pipe(
      Options.withDefault(1),
      Options.withDescription("seed of the markets, ids and synthetic flow")
    ),
    markets: Options.integer("markets").pipe(
      Options.withDefault(8),
      Options.withDescription("number of generated markets")
    ),
    tier: Options.choice("tier", ["basic", "advanced", "expert", "premier", "paragon", "prime", "prestige"]).pipe(
      Options.withDefault("basic" as const),
      Options.withDescription("rate-limit tier")
    ),
    flowRate: Options.integer("flow-rate").pipe(
      Options.withAlias("flow"),
      Options.withDefault(5),
      Options.withDescription("synthetic market actions per second (0 = none)")
    ),
    noRateLimit: Options.boolean("no-rate-limit").pipe(Options.withDescription("no token buckets")),
    replay: Options.text("replay").pipe(
      Options.withDescription(
        "drive the books from a recorded tape (see `record`; use the recording's --seed and --markets, and --flow-rate 0)"
      ),
      Options.optional
    ),
    speed: Options.integer("speed").pipe(Options.withDefault(1), Options.withDescription("replay speed, × real time"))
  },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const handle = yield* KalshiSim.make({
          port: o.port,
          host: o.host,
          seed: o.seed,
          markets: o.markets,
          tier: o.tier,
          rateLimit: !o.noRateLimit,
          flow: o.flowRate > 0 ? { ratePerSec: o.flowRate } : false,
          ...(Option.isSome(o.replay) ? { replay: { tape: o.replay.value, speed: Math.max(1, o.speed) } } : {})
        }).pipe(Effect.mapError((e) => new CliFailure({ message: e.message })))
        const key = yield* handle.generateKey().pipe(Effect.mapError((e) => new CliFailure({ message: e.message })))
        const dir = mkdtempSync(join(tmpdir(), "kalshi-sim-"))
        const keyFile = join(dir, "private-key.pem")
        writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 })
        chmodSync(keyFile, 0o600)
        const env = `KALSHI_REST_URL=${handle.restUrl} KALSHI_WS_URL=${handle.wsUrl} KALSHI_API_KEY_ID=${key.keyId} KALSHI_PRIVATE_KEY_PATH=${keyFile}`
        yield* Console.log(`kalshi-sim on ${handle.host}:${handle.port} (${o.markets} markets, seed ${o.seed})`)
        yield* Console.log(`  REST  ${handle.restUrl}`)
        yield* Console.log(`  WS    ${handle.wsUrl}`)
        yield* Console.log(`  key id           ${key.keyId}`)
        yield* Console.log(`  private key file ${keyFile}`)
        yield* Console.log(`point a bot at it (another terminal):\n  ${env} pnpm start --config ${externalSimConfig}`)
        yield* Effect.never
      })
    )
).pipe(Command.withDescription("start the Kalshi simulator alone; prints its URLs, a key and how to point a bot at it"))
