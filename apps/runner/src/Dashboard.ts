/**
 * The live dashboard, served by the control API's server:
 *
 * | call | what it is |
 * |---|---|
 * | `GET /` and its assets | the page (static files of this package, uPlot from node_modules); no data, no token in it |
 * | `GET /events` | Server-Sent Events: one `snapshot` when the page connects, then one `delta` per tick with only what changed |
 *
 * `/events` needs the control token when one is configured (the page asks for it and sends it as a bearer
 * header; it is never written into the page). The collector runs only while a page is connected: with none
 * open, the dashboard costs the bot nothing.
 */
import * as fs from "node:fs"
import type * as http from "node:http"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Data from "./DashboardData.js"
import { type Resolved, selectedSymbols } from "./Resolve.js"
import type { RunHandle } from "./Run.js"
import type { VenueSession } from "./Venues.js"

export interface DashboardOptions extends Data.CollectOptions {
  /** one tick (default 1000 ms) */
  readonly intervalMs?: number
  /** pages connected at once (default 16) */
  readonly maxPages?: number
  /** bytes a page may leave unread before it is dropped (default 8 MiB) */
  readonly maxBufferedBytes?: number
}

export interface DashboardService {
  /** Answers the request when it is the dashboard's (true), else leaves it to the control API (false). */
  readonly handle: (req: http.IncomingMessage, res: http.ServerResponse, authorized: boolean) => boolean
  /** pages connected now */
  readonly clients: () => number
}

/** Every market each strategy of the run trades, as the config selects them. */
export const configuredOf = (resolved: Resolved, sessions: ReadonlyArray<VenueSession>): Array<Data.Configured> =>
  resolved.strategies.flatMap((s) => {
    const session = sessions.find((x) => x.name === s.section.venue)
    return session === undefined
      ? []
      : selectedSymbols([...session.markets.values()], s.section.markets).map((symbol) => ({
          venue: session.name,
          strategy: s.name,
          symbol
        }))
  })

/** Where the page's files are: `dashboard/` beside `src/` and `dist/`. */
export const assetsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "dashboard")

/** uPlot, shipped by its npm package. */
export const uplotFile = (name: "uPlot.iife.min.js" | "uPlot.min.css") =>
  path.join(path.dirname(createRequire(import.meta.url).resolve("uplot")), name)

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8"
}

/** The page's files, read once: path → [content type, body]. */
const loadAssets = (): ReadonlyMap<string, readonly [string, Buffer]> => {
  const files: Array<readonly [string, string]> = [
    ["/", path.join(assetsDir, "index.html")],
    ["/dashboard.js", path.join(assetsDir, "dashboard.js")],
    ["/common.js", path.join(assetsDir, "common.js")],
    ["/dashboard.css", path.join(assetsDir, "dashboard.css")],
    ["/uPlot.iife.min.js", uplotFile("uPlot.iife.min.js")],
    ["/uPlot.min.css", uplotFile("uPlot.min.css")]
  ]
  return new Map(files.map(([url, file]) => [url, [types[path.extname(file)]!, fs.readFileSync(file)] as const]))
}

const security = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
}

/** Builds the dashboard for the life of the scope (its collector fiber, its connected pages). */
export const make = (h: RunHandle, o: DashboardOptions): Effect.Effect<DashboardService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const assets = loadAssets()
    const maxPages = o.maxPages ?? 16
    const maxBuffered = o.maxBufferedBytes ?? 8 * 1024 * 1024
    const clients = new Set<http.ServerResponse>()
    // pages that have not had their first full snapshot yet
    const fresh = new Set<http.ServerResponse>()
    const state = Data.initialState()
    const prev = { portfolio: "", venues: "", markets: new Map<string, Data.MarketSnap>() }
    const frame = (event: string, body: unknown) => `event: ${event}\ndata: ${JSON.stringify(body)}\n\n`

    const tick = Effect.gen(function* () {
      if (clients.size === 0) return
      const snap = yield* Data.collect(h, state, o)
      const delta = frame("delta", Data.diff(prev, snap))
      let full: string | undefined
      for (const res of clients) {
        if (res.writableLength > maxBuffered) {
          // a page that does not read: dropped rather than buffered without bound (it reconnects)
          clients.delete(res)
          fresh.delete(res)
          res.destroy()
        } else if (fresh.has(res)) {
          fresh.delete(res)
          full ??= frame("snapshot", snap)
          res.write(full)
        } else res.write(delta)
      }
    }).pipe(Effect.catchAllCause((c) => Effect.logWarning(`dashboard: ${String(c)}`)))

    yield* tick.pipe(Effect.repeat(Schedule.spaced(Duration.millis(o.intervalMs ?? 1000))), Effect.forkScoped)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const res of clients) res.end()
        clients.clear()
      })
    )

    const handle = (req: http.IncomingMessage, res: http.ServerResponse, authorized: boolean): boolean => {
      if (req.method !== "GET") return false
      const url = (req.url ?? "/").split("?")[0]!
      const asset = assets.get(url === "/index.html" ? "/" : url)
      if (asset !== undefined) {
        res.writeHead(200, { "content-type": asset[0], "cache-control": "no-cache", ...security }).end(asset[1])
        return true
      }
      if (url !== "/events") return false
      if (!authorized) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"error":"a bearer token is required"}\n')
        return true
      }
      if (clients.size >= maxPages) {
        res
          .writeHead(503, { "content-type": "application/json" })
          .end(`{"error":"${maxPages} dashboard pages are open already"}\n`)
        return true
      }
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
        ...security
      })
      res.write(": connected\n\n")
      clients.add(res)
      fresh.add(res)
      res.on("close", () => {
        clients.delete(res)
        fresh.delete(res)
      })
      return true
    }
    return { handle, clients: () => clients.size }
  })
