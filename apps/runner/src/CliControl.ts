/**
 * Commands that talk to the running bot through its control API (found next to the config's journal):
 * `status`, `pause`, `resume`, `halt`. (`cancel-all` uses it too when a bot runs; see CliCommands.ts.)
 * They read only the config's journal path and load nothing of the run: they start in about half the time
 * of a command that loads the venues, and a config edited since the bot started does not lock anyone out.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CliFailure, configOption, journalPathOf } from "./CliCommon.js"
import * as Control from "./ControlClient.js"

const venue = Options.text("venue").pipe(Options.withDescription("only this venue (default: all)"), Options.optional)
const strategy = Options.text("strategy").pipe(
  Options.withDescription("only this strategy (on --venue, or everywhere without it)"),
  Options.optional
)
const market = Options.text("market").pipe(
  Options.withDescription("only this market of --venue (every strategy in it)"),
  Options.optional
)
const reason = Options.text("reason").pipe(
  Options.withDescription("why (journaled with the command)"),
  Options.optional
)

/** The running bot on a config's journal (the address it published there), or a clean failure. */
const needBot = (config: Option.Option<string>) =>
  Effect.flatMap(journalPathOf(Option.none(), config), (journal) => {
    const bot = Control.find(journal)
    return bot === undefined
      ? Effect.fail(new CliFailure({ message: `no running bot on journal ${journal} (start one with \`run\`)` }))
      : Effect.succeed(bot)
  })

const toCli = (e: Control.ControlError) => new CliFailure({ message: e.message })

export const status = Command.make("status", { config: configOption }, ({ config }) =>
  Effect.gen(function* () {
    const bot = yield* needBot(config)
    const s = yield* Effect.mapError(Control.call(bot, "GET", "/status"), toCli)
    yield* Console.log(JSON.stringify(s, null, 2))
  })
).pipe(Command.withDescription("the running bot's state: venues, streams, resting orders, positions, risk scopes"))

const scoped = (action: "pause" | "resume" | "halt", description: string) =>
  Command.make(action, { config: configOption, venue, strategy, market, reason }, (o) =>
    Effect.gen(function* () {
      if (Option.isSome(o.market) && Option.isNone(o.venue)) {
        return yield* new CliFailure({ message: "--market needs --venue" })
      }
      if (Option.isSome(o.market) && Option.isSome(o.strategy)) {
        return yield* new CliFailure({ message: "--market applies to every strategy in it: drop --strategy" })
      }
      const bot = yield* needBot(o.config)
      const body = {
        ...(Option.isSome(o.venue) ? { venue: o.venue.value } : {}),
        ...(Option.isSome(o.strategy) ? { strategy: o.strategy.value } : {}),
        ...(Option.isSome(o.market) ? { market: o.market.value } : {}),
        ...(Option.isSome(o.reason) ? { reason: o.reason.value } : {})
      }
      yield* Effect.mapError(Control.call(bot, "POST", `/${action}`, body), toCli)
      const where = Option.isSome(o.venue)
        ? `${o.venue.value}${Option.isSome(o.strategy) ? `/${o.strategy.value}` : ""}${Option.isSome(o.market) ? ` market ${o.market.value}` : ""}`
        : Option.isSome(o.strategy)
          ? `strategy ${o.strategy.value} everywhere`
          : "everything"
      yield* Console.log(`${action}: ${where} (journaled)`)
    })
  ).pipe(Command.withDescription(description))

export const pause = scoped(
  "pause",
  "pause new orders on the running bot (everything, a venue, a strategy, or one market)"
)
export const resume = scoped("resume", "resume the running bot (everything, a venue, a strategy, or one market)")
export const halt = scoped(
  "halt",
  "halt the running bot (everything, a venue, a strategy, or one market) until resumed"
)
