/** Test helpers: spawn the real CLI (bundled from the sources: cliBundle.ts), temp files, a raw signed Kalshi request. */

import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { KalshiSigning, KalshiSim } from "@alpha-hunter/kalshi-sim"
import * as Effect from "effect/Effect"
import { inject } from "vitest"
import * as Journal from "../src/Journal.js"

export const runnerRoot = resolve(import.meta.dirname, "..")

export const tempDir = () => mkdtempSync(join(tmpdir(), "ah-runner-"))

/** A config's strategies and risk sections: one maker on `venue`'s first `limit` open markets, small limits. */
export const makerYaml = (venue: string, limit: number) => `strategies:
  mm:
    plugin: maker
    venue: ${venue}
    markets: { status: open, limit: ${limit} }
    mode: liquidity
    params: { orderSize: "5", minSpreadTicks: 2, maxPosition: "50" }
risk:
  global:
    maxOrderSize: "50"
    maxOrderNotional: "50"
    maxPosition: "100"
    maxGrossExposure: "2000"
    maxOpenOrders: 100
    orderRate: { max: 200, windowMs: 1000 }
    priceBand: { minBuy: "0.01", maxBuy: "0.99", minSell: "0.01", maxSell: "0.99" }
    maxDailyLoss: "100"
`

export const writeFile = (dir: string, name: string, text: string) => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

export interface Proc {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Effect.Effect<number | null>
}

/** The command line that starts the CLI (the bundle built for this test run), as `node` and its arguments. */
export const cliCommand = (): ReadonlyArray<string> => [process.execPath, inject("cliBundle")]

/** Starts `alpha-hunter <args>` (one process: a SIGKILL hits the runner itself). */
export const cli = (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
  options: { readonly detached?: boolean } = {}
): Proc => {
  const [node, ...main] = cliCommand()
  const child = spawn(node!, [...main, ...args], {
    cwd: runnerRoot,
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    // its own process group (signals to the whole group)
    detached: options.detached === true
  })
  let out = ""
  child.stdout!.on("data", (b: Buffer) => {
    out += b.toString()
  })
  child.stderr!.on("data", (b: Buffer) => {
    out += b.toString()
  })
  const exited = Effect.async<number | null>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) resume(Effect.succeed(child.exitCode))
    else child.once("exit", (code) => resume(Effect.succeed(code)))
  })
  return { child, output: () => out, exited }
}

/** Polls until `f` is true (real time), failing after `timeoutMs`. */
export const waitUntil = (what: string, f: () => boolean, timeoutMs = 30_000) =>
  Effect.async<void, Error>((resume) => {
    const start = Date.now()
    const t = setInterval(() => {
      if (f()) {
        clearInterval(t)
        resume(Effect.void)
      } else if (Date.now() - start > timeoutMs) {
        clearInterval(t)
        resume(Effect.fail(new Error(`timed out waiting for ${what}`)))
      }
    }, 50)
  })

/** A signed GET against a Kalshi(-compatible) REST base. */
export const signedGet = (restUrl: string, creds: KalshiSigning.Credentials, path: string) =>
  Effect.promise(async () => {
    const url = new URL(`${restUrl}${path}`)
    const headers = KalshiSigning.signHeaders(creds, "GET", url.pathname, Date.now())
    const res = await fetch(url, { headers })
    return (await res.json()) as Record<string, unknown>
  })

/** Every journal entry of the file at `path` (opens it for the read). */
export const readJournal = (path: string) =>
  Effect.provide(
    Effect.flatMap(Journal.Journal, (j) => j.query()),
    Journal.layer(path)
  )

/**
 * A Kalshi simulator, a key, and a config file that runs the maker on it with no end of its own (`extra` is
 * appended, e.g. a `control:` section); `resting` counts our orders resting on the simulator.
 */
export const simBot = (o: {
  readonly markets: number
  readonly seed: number
  readonly flowPerSec: number
  readonly orderSize?: string
  readonly extra?: string
  /** a simulator shared by several runs (each gets its own key, account and journal) */
  readonly sim?: KalshiSim.SimHandle
  /** the config's `run` section (default: the LIP sampler off) */
  readonly run?: string
}) =>
  Effect.gen(function* () {
    const sim =
      o.sim ?? (yield* KalshiSim.make({ markets: o.markets, seed: o.seed, flow: { ratePerSec: o.flowPerSec } }))
    const key = yield* sim.generateKey()
    const dir = tempDir()
    const journal = `${dir}/journal.sqlite`
    const config = writeFile(
      dir,
      "config.yaml",
      `venues:
  k:
    type: kalshi
    restUrl: ${sim.restUrl}
    wsUrl: ${sim.wsUrl}
    apiKeyId: ${key.keyId}
    privateKeyPath: ${writeFile(dir, "key.pem", key.privateKeyPem)}
strategies:
  mm:
    plugin: maker
    venue: k
    markets: { limit: ${o.markets} }
    mode: liquidity
    params: { orderSize: "${o.orderSize ?? "2"}", minSpreadTicks: 2 }
journal: { path: ${journal} }
run: ${o.run ?? "{ sampleIntervalMs: 0 }"}
${o.extra ?? ""}`
    )
    const resting = Effect.map(
      signedGet(sim.restUrl, { keyId: key.keyId, privateKeyPem: key.privateKeyPem }, "/portfolio/orders?limit=1000"),
      (body) => (body["orders"] as ReadonlyArray<{ status: string }>).filter((o) => o.status === "resting").length
    )
    return { config, journal, resting }
  })

/** A webhook receiver on loopback: every POST body it got, as parsed JSON. */
export const webhookReceiver = Effect.acquireRelease(
  Effect.async<{ readonly server: Server; readonly url: string; readonly got: Array<Record<string, unknown>> }>(
    (resume) => {
      const got: Array<Record<string, unknown>> = []
      const server = createServer((req, res) => {
        let body = ""
        req.on("data", (c: Buffer) => {
          body += c.toString()
        })
        req.on("end", () => {
          got.push(JSON.parse(body) as Record<string, unknown>)
          res.end("ok")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as AddressInfo).port
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}/hook`, got }))
      })
    }
  ),
  (r) =>
    Effect.sync(() => {
      r.server.closeAllConnections()
      r.server.close()
    })
)

/** Polls `f` every 50 ms until it yields a value (not undefined); dies naming `what` after `timeoutMs`. */
export const poll = <A, E>(what: string, f: Effect.Effect<A | undefined, E>, timeoutMs = 10_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const a = yield* f
      if (a !== undefined) return a
      yield* Effect.sleep(50)
    }
    return yield* Effect.dieMessage(`timed out waiting for ${what}`)
  })
