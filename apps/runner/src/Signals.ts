/**
 * Process signals and the parent's death, for a bot that must stop gracefully however it is stopped.
 *
 * - The first SIGINT / SIGTERM / SIGHUP (or a launching process dying — npm, npx, pnpm or `sh -c` killed
 *   without passing the signal on, see `launcherChain`) interrupts the program: the graceful stop runs (our orders canceled and
 *   verified gone through the venue, the journal's `stop` entry, the report), then the process exits 0.
 * - A second signal never skips the cancels: it says that the stop is under way and what a third one does.
 * - A third forces the exit at once, with a loud warning that orders may still rest.
 *
 * The handlers stay installed until the process exits (Effect's `runMain` removes its own after the first
 * signal, so a second Ctrl-C used to kill the process mid-stop with orders resting).
 */
import { readFileSync } from "node:fs"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

export interface ProcInfo {
  readonly ppid: number
  readonly argv: ReadonlyArray<string>
}

/** A process's parent and command line from /proc (Linux); undefined where there is no /proc. */
export const readProc = (pid: number): ProcInfo | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .filter((a) => a.length > 0)
    return Number.isInteger(ppid) ? { ppid, argv } : undefined
  } catch {
    return undefined
  }
}

const launcherNames = new Set(["node", "npm", "npx", "pnpm", "yarn", "tsx", "corepack"])
const shells = new Set(["sh", "bash", "dash", "zsh"])
const base = (path: string) => path.slice(path.lastIndexOf("/") + 1)

/** A launcher runs us on someone's behalf: a node-based tool (npm, npx, pnpm, tsx) or a `sh -c` wrapper. */
export const isLauncher = (argv: ReadonlyArray<string>): boolean => {
  const cmd = base(argv[0] ?? "")
  return launcherNames.has(cmd) || (shells.has(cmd) && argv[1] === "-c")
}

/**
 * Our launcher chain: the ancestors, from the parent up, that are launchers (`npx pnpm start` is npm →
 * pnpm → sh -c → node). It stops at the first ancestor that is not one — an interactive shell, systemd, a
 * container's init — whose exit must not stop us (`nohup`, a closed terminal is SIGHUP's job).
 */
export const launcherChain = (pid: number, read: (pid: number) => ProcInfo | undefined): ReadonlyArray<number> => {
  const chain: Array<number> = []
  let at = read(pid)?.ppid
  for (let i = 0; i < 16 && at !== undefined && at > 1; i++) {
    const info = read(at)
    if (info === undefined || !isLauncher(info.argv)) break
    chain.push(at)
    at = info.ppid
  }
  return chain
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: string }).code === "EPERM"
  }
}

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
  let last = 0
  const stop = (why: string) => {
    // a launcher chain relays one keypress as several signals (the group's SIGINT, then pnpm's or npm's own
    // SIGINT/SIGTERM to its child): within a second of the second signal they are that same press, not a third
    const now = Date.now()
    if (count >= 2 && now - last < 1000) return
    last = now
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
  // a launcher killed without passing the signal on (npm, pnpm and sh -c do not always): stop as if signaled
  // (without /proc: the direct parent only)
  const parent = process.ppid
  const proc = readProc(process.pid) !== undefined
  const launchers = proc ? launcherChain(process.pid, readProc) : []
  const watch = setInterval(() => {
    const gone = proc ? launchers.find((pid) => !alive(pid)) : process.ppid !== parent ? parent : undefined
    if (gone !== undefined) {
      clearInterval(watch)
      // a launcher exiting during the stop (it got the same signal) is no reason to hurry it
      if (count === 0) stop(`the launching process (pid ${gone}) exited`)
    }
  }, 500)
  watch.unref()
  fiber.addObserver(() => {
    clearInterval(watch)
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(s, onSignal)
  })
  return { stop }
}
