/**
 * One running instance per journal and per account. Two bots on one journal would adopt each other's orders;
 * two on one account would quote the same markets and share the rate limits, and the first would report
 * "none of our orders rests" while the second quotes.
 *
 * A lock is a file created exclusively (`O_EXCL`) holding the owner's pid, host and start time: next to the
 * journal (`<journal>.lock`), and per account in the system temp directory (`alpha-hunter-locks/<hash>.lock`,
 * the account named by the venue plugin). A lock whose owner is gone (same host, pid not alive) is stale and
 * taken over; one whose owner lives is a clear refusal naming it. Released when the run's scope closes.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

export class InstanceLocked extends Data.TaggedError("InstanceLocked")<{ readonly message: string }> {}

interface Owner {
  readonly pid: number
  readonly host: string
  readonly startedAt: string
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: string }).code === "EPERM"
  }
}

const readOwner = (file: string): Owner | undefined => {
  try {
    const o = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Owner>
    return typeof o.pid === "number" && typeof o.host === "string"
      ? { pid: o.pid, host: o.host, startedAt: String(o.startedAt) }
      : undefined
  } catch {
    return undefined
  }
}

/** Takes the lock at `file` for `what` (e.g. "journal /x/j.sqlite") for the life of the scope. */
export const acquire = (file: string, what: string): Effect.Effect<void, InstanceLocked, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        const me: Owner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() }
        fs.mkdirSync(path.dirname(file), { recursive: true })
        for (let attempt = 0; attempt < 2; attempt++) {
          try {
            fs.writeFileSync(file, JSON.stringify(me), { flag: "wx" })
            return
          } catch (e) {
            if ((e as { code?: string }).code !== "EEXIST") throw e
            const owner = readOwner(file)
            if (owner !== undefined && (owner.host !== me.host || alive(owner.pid)) && owner.pid !== me.pid) {
              throw new InstanceLocked({
                message: `another alpha-hunter is running on ${what}: pid ${owner.pid} on ${owner.host}, started ${owner.startedAt}. Stop it first${owner.host === me.host ? "" : ` (or, if it is gone, delete ${file})`}.`
              })
            }
            fs.rmSync(file, { force: true }) // stale: its owner is gone
          }
        }
        throw new InstanceLocked({ message: `cannot take the lock ${file} for ${what}` })
      },
      catch: (e) =>
        e instanceof InstanceLocked
          ? e
          : new InstanceLocked({ message: `cannot take the lock ${file} for ${what}: ${(e as Error).message}` })
    }),
    () =>
      Effect.sync(() => {
        if (readOwner(file)?.pid === process.pid) fs.rmSync(file, { force: true })
      })
  )

/** The lock file of an account (the plugin's account string, hashed). */
export const accountLockFile = (account: string): string =>
  path.join(
    os.tmpdir(),
    "alpha-hunter-locks",
    `${createHash("sha256").update(account).digest("hex").slice(0, 32)}.lock`
  )
