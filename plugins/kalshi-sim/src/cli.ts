/**
 * `kalshi-sim` CLI: starts the simulator and prints its REST and WebSocket URLs.
 * Runs until SIGINT/SIGTERM (finalizers close the server).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Console, Effect, Exit, Fiber } from "effect"
import { isTier, type Tier } from "./internal/buckets.js"
import * as KalshiSim from "./KalshiSim.js"

const HELP = `kalshi-sim — a local Kalshi exchange (Trade API v2)

Usage: kalshi-sim [options]

  --port N              listen port (default 0 = any free port)
  --host H              listen host (default 127.0.0.1)
  --seed N              PRNG seed for markets, ids and synthetic flow (default 1)
  --markets N           number of generated markets (default 6)
  --tier T              rate-limit tier: basic|advanced|expert|premier|paragon|prime|prestige (default basic)
  --flow-rate N         synthetic actions per second (default 5); --no-flow turns it off
  --no-rate-limit       disable token buckets
  --key-id ID --public-key FILE
                        register an API key (repeatable, in pairs). Without any key an RSA pair is
                        generated; its private key is written to a 0600 temp file whose path is printed.
  --help                this text

Control endpoint: POST <base>/_sim/faults {"kind": ...}, POST <base>/_sim/control {"action": ...},
POST <base>/_sim/keys {"key_id","public_key"}, GET <base>/_sim/state. See the package README.`

export interface CliArgs {
  readonly options: KalshiSim.Options
  readonly keys: ReadonlyArray<{ readonly keyId: string; readonly file: string }>
  readonly help: boolean
}

export const parseArgs = (argv: ReadonlyArray<string>): CliArgs | string => {
  const opts: { -readonly [K in keyof KalshiSim.Options]: KalshiSim.Options[K] } = {}
  const keys: Array<{ keyId: string; file: string }> = []
  let pendingKey: string | undefined
  let flowRate = 5
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const val = (): string | undefined => argv[++i]
    const int = (name: string): number | string => {
      const v = val()
      return v !== undefined && /^\d+$/.test(v) ? Number(v) : `${name} needs a non-negative integer`
    }
    switch (a) {
      case "--":
        break
      case "--help":
      case "-h":
        help = true
        break
      case "--port": {
        const n = int(a)
        if (typeof n === "string") return n
        opts.port = n
        break
      }
      case "--seed": {
        const n = int(a)
        if (typeof n === "string") return n
        opts.seed = n
        break
      }
      case "--markets": {
        const n = int(a)
        if (typeof n === "string") return n
        opts.markets = n
        break
      }
      case "--flow-rate": {
        const n = int(a)
        if (typeof n === "string") return n
        flowRate = n
        break
      }
      case "--no-flow":
        flowRate = 0
        break
      case "--no-rate-limit":
        opts.rateLimit = false
        break
      case "--host": {
        const v = val()
        if (v === undefined) return "--host needs a value"
        opts.host = v
        break
      }
      case "--tier": {
        const v = val()
        if (v === undefined || !isTier(v))
          return `--tier must be one of basic, advanced, expert, premier, paragon, prime, prestige`
        opts.tier = v as Tier
        break
      }
      case "--key-id": {
        const v = val()
        if (v === undefined) return "--key-id needs a value"
        pendingKey = v
        break
      }
      case "--public-key": {
        const v = val()
        if (v === undefined || pendingKey === undefined) return "--public-key FILE must follow --key-id ID"
        keys.push({ keyId: pendingKey, file: v })
        pendingKey = undefined
        break
      }
      default:
        return `unknown option ${a} (try --help)`
    }
  }
  if (pendingKey !== undefined) return "--key-id needs a matching --public-key FILE"
  opts.flow = flowRate > 0 ? { ratePerSec: flowRate } : false
  return { options: opts, keys, help }
}

export const program = (argv: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const args = parseArgs(argv)
    if (typeof args === "string") {
      yield* Console.error(args)
      return yield* Effect.fail(new KalshiSim.SimError({ message: args }))
    }
    if (args.help) return yield* Console.log(HELP)
    const keys = yield* Effect.forEach(args.keys, (k) =>
      Effect.try({
        try: () => ({ keyId: k.keyId, publicKeyPem: fs.readFileSync(k.file, "utf8") }),
        catch: (e) => new KalshiSim.SimError({ message: `cannot read ${k.file}: ${String(e)}`, cause: e })
      })
    )
    yield* Effect.scoped(
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ ...args.options, keys })
        yield* Console.log(`kalshi-sim listening`)
        yield* Console.log(`  REST     ${sim.restUrl}`)
        yield* Console.log(`  WS       ${sim.wsUrl}`)
        yield* Console.log(`  control  ${sim.controlUrl}`)
        if (keys.length === 0) {
          const k = yield* sim.generateKey()
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kalshi-sim-"))
          const file = path.join(dir, "private-key.pem")
          fs.writeFileSync(file, k.privateKeyPem, { mode: 0o600 })
          yield* Console.log(`  key id   ${k.keyId}`)
          yield* Console.log(`  key file ${file}`)
        } else {
          for (const k of keys) yield* Console.log(`  key id   ${k.keyId}`)
        }
        return yield* Effect.never
      })
    )
  })

/** Minimal runMain: SIGINT/SIGTERM interrupt the fiber so scope finalizers close the server. */
const runMain = (eff: Effect.Effect<void, unknown>): void => {
  const fiber = Effect.runFork(eff)
  const stop = () => Effect.runFork(Fiber.interrupt(fiber))
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
  fiber.addObserver((exit) => {
    process.exitCode = Exit.isSuccess(exit) || Exit.isInterrupted(exit) ? 0 : 1
    process.removeListener("SIGINT", stop)
    process.removeListener("SIGTERM", stop)
  })
}

const isMain = process.argv[1] !== undefined && /cli\.(ts|js)$/.test(process.argv[1])
if (isMain) runMain(program(process.argv.slice(2)))
