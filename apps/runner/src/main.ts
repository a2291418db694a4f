#!/usr/bin/env node
/**
 * The `alpha-hunter` command. A user mistake (bad flag, bad config, unknown venue, a check that failed)
 * ends with one clean line on stderr and exit code 1, never a stack trace; an unexpected defect is still
 * reported in full. Signals: see `Signals.ts` (the first stops gracefully, a second never skips the cancels,
 * a third forces).
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { CliFailure, cli } from "./Cli.js"
import { errorText } from "./Errors.js"
import { scheduler } from "./Scheduler.js"
import * as Signals from "./Signals.js"

const program = cli(process.argv).pipe(
  Effect.as(0),
  Effect.catchAll((e) =>
    // @effect/cli has already printed what was wrong with the command line
    ValidationError.isValidationError(e)
      ? Effect.succeed(1)
      : Effect.as(Console.error(`alpha-hunter: ${e instanceof CliFailure ? e.message : errorText(e)}`), 1)
  ),
  Effect.provide(NodeContext.layer),
  Effect.withScheduler(scheduler)
)

const fiber = Effect.runFork(program)
Signals.install(fiber)
fiber.addObserver((exit) => {
  if (Exit.isSuccess(exit)) process.exit(exit.value)
  else if (Cause.isInterruptedOnly(exit.cause)) process.exit(0)
  else {
    process.stderr.write(`alpha-hunter: unexpected failure\n${Cause.pretty(exit.cause)}\n`)
    process.exit(1)
  }
})
