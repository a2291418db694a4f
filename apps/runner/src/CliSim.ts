/**
 * `alpha-hunter sim` (= `pnpm sim`): the Kalshi simulator alone, for a bot (or any Kalshi client) in another
 * process. It prints its URLs, a generated key and the exact command that points the shipped
 * `config/external-sim.yaml` at it. Runs until SIGINT/SIGTERM.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { lazily } from "./CliCommon.js"

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
    lazily(
      () => import("./CliSimRun.js"),
      (r) => r.sim(o)
    )
).pipe(Command.withDescription("start the Kalshi simulator alone; prints its URLs, a key and how to point a bot at it"))
