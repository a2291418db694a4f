/** Real headless Chromium for the page tests (Debian's `chromium`, driven by playwright-core; no download). */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { type Browser, chromium } from "playwright-core"
import { runnerRoot } from "./helpers.js"

export const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"

/** Screenshots land here (gitignored): the test artifacts. */
export const artifacts = join(runnerRoot, "test-artifacts")

export const artifact = (name: string) => {
  mkdirSync(artifacts, { recursive: true })
  return join(artifacts, name)
}

/** A browser for the life of the scope. */
export const browser = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launch({
      executablePath: chromiumPath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync"
      ]
    })
  ),
  (b: Browser) => Effect.promise(() => b.close())
)

/** Runs a page step (a promise) as an effect; a failure fails the test with its message. */
export const step = <A>(what: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (e) => new Error(`${what}: ${(e as Error).message}`) })

/** Polls a page condition (locators and attributes, no script evaluation: the dashboard's CSP forbids eval). */
export const until = (what: string, f: () => Promise<boolean>, timeoutMs = 10_000) =>
  Effect.tryPromise({
    try: async () => {
      const start = Date.now()
      for (;;) {
        if (await f()) return
        if (Date.now() - start > timeoutMs) throw new Error("timed out")
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    catch: (e) => new Error(`${what}: ${(e as Error).message}`)
  })
