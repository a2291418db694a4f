/**
 * Process signals and the parent's death, for a bot that must stop gracefully however it is stopped.
 *
 * - The first SIGINT / SIGTERM / SIGHUP (or the parent process dying: a launcher such as npm or pnpm killed
 *   without passing the signal on) interrupts the program: the graceful stop runs (our orders canceled and
 *   verified gone through the venue, the journal's `stop` entry, the report), then the process exits 0.
 * - A second signal never skips the cancels: it says that the stop is under way and what a third one does.
 * - A third forces the exit at once, with a loud warning that orders may still rest.
 *
 * The handlers stay installed until the process exits (Effect's `runMain` removes its own after the first
 * signal, so a second Ctrl-C used to kill the process mid-stop with orders resting).
 */
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

export interface Stopper {
  /** what happened, e.g. "SIGTERM" or "the parent process (pid 12) exited" */
  readonly stop: (why: string) => void
}

export const install = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  options: { readonly write?: (line: string) => void; readonly exit?: (code: number) => void } = {}
): Stopper => {
  const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`))
  const exit = options.exit ?? ((code: number) => process.exit(code))
  let count = 0
  const stop = (why: string) => {
    count++
    if (count === 1) {
      write(`\nalpha-hunter: ${why}: stopping gracefully (canceling our orders, verifying, reporting)…`)
      fiber.unsafeInterruptAsFork(FiberId.none)
    } else if (count === 2) {
      write(
        `alpha-hunter: ${why} again: the stop is under way and cancels our orders first; a third signal forces the exit (orders may then remain)`
      )
    } else {
      write(
        `alpha-hunter: ${why}: FORCED EXIT — the stop did not finish; orders may still rest on the venue. Check with \`alpha-hunter cancel-all\`.`
      )
      exit(130)
    }
  }
  const onSignal = (signal: NodeJS.Signals) => stop(signal)
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, onSignal)
  // a launcher killed without passing the signal on leaves us re-parented: stop as if signaled
  const parent = process.ppid
  const watch = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(watch)
      stop(`the parent process (pid ${parent}) exited`)
    }
  }, 500)
  watch.unref()
  fiber.addObserver(() => {
    clearInterval(watch)
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(s, onSignal)
  })
  return { stop }
}
