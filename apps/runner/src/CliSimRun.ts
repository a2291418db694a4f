/** The work of `alpha-hunter sim` (its options: CliSim.ts), loaded when it runs. */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CliFailure } from "./CliCommon.js"

export const externalSimConfig = fileURLToPath(new URL("../config/external-sim.yaml", import.meta.url))

export interface SimArgs {
  readonly port: number
  readonly host: string
  readonly seed: number
  readonly markets: number
  readonly tier: KalshiSim.Tier
  readonly flowRate: number
  readonly noRateLimit: boolean
  readonly replay: Option.Option<string>
  readonly speed: number
}

export const sim = (o: SimArgs) =>
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
