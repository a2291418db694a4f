/**
 * The live dashboard, served by the control API's server:
 *
 * | call | what it is |
 * |---|---|
 * | `GET /` and its assets | the page (static files of this package, uPlot from node_modules); no data, no token in it |
 * | `GET /events` | Server-Sent Events: `hello` (the page's id), one `snapshot` (every market's row), then one `delta` per tick with only the rows that changed, and `detail` (the book's levels) of the market the page selected when it changed |
 * | `POST /events/focus` `{page, market}` | the market (`venue:symbol`, or null) whose detail that page wants |
 *
 * Both need the control token when one is configured (the page asks for it and sends it as a bearer header; it
 * is never written into the page). The collector runs only while a page is connected: with none open, the
 * dashboard costs the bot nothing.
 */
import { randomUUID } from "node:crypto"
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
    const keys = new Set(o.configured.map((c) => `${c.venue}:${c.symbol}`))
    // the connected pages: their id, the market each has selected, the detail last sent to it
    interface Page {
      readonly id: string
      readonly res: http.ServerResponse
      /** no full snapshot sent yet */
      fresh: boolean
      focus: string | undefined
      sent: Data.Detail | undefined
    }
    const pages = new Map<string, Page>()
    const state = Data.initialState()
    const prev = { portfolio: "", venues: "", markets: new Map<string, Data.MarketRow>() }
    const frame = (event: string, body: unknown) => `event: ${event}\ndata: ${JSON.stringify(body)}\n\n`
    const drop = (p: Page) => {
      pages.delete(p.id)
      p.res.destroy()
    }

    const tick = Effect.gen(function* () {
      if (pages.size === 0) {
        // no page: nothing read, nothing kept of the books (a page that connects gets a full snapshot anyway)
        if (prev.markets.size > 0) {
          Data.release(state)
          prev.markets.clear()
        }
        return
      }
      const focus = new Set<string>()
      for (const p of pages.values()) if (p.focus !== undefined) focus.add(p.focus)
      const { snapshot, details } = yield* Data.collect(h, state, o, focus)
      const delta = frame("delta", Data.diff(prev, snapshot))
      let full: string | undefined
      for (const p of pages.values()) {
        if (p.res.writableLength > maxBuffered) {
          // a page that does not read: dropped rather than buffered without bound (it reconnects)
          drop(p)
          continue
        }
        if (p.fresh) {
          p.fresh = false
          full ??= frame("snapshot", snapshot)
          p.res.write(full)
        } else p.res.write(delta)
        const detail = p.focus === undefined ? undefined : details.get(p.focus)
        if (detail !== undefined && detail !== p.sent) {
          p.sent = detail
          p.res.write(frame("detail", detail))
        }
      }
    }).pipe(Effect.catchAllCause((c) => Effect.logWarning(`dashboard: ${String(c)}`)))

    yield* tick.pipe(Effect.repeat(Schedule.spaced(Duration.millis(o.intervalMs ?? 1000))), Effect.forkScoped)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const p of pages.values()) p.res.end()
        pages.clear()
      })
    )

    const json = (res: http.ServerResponse, status: number, body: string) =>
      res.writeHead(status, { "content-type": "application/json" }).end(`${body}\n`)

    /** `POST /events/focus`: a small JSON body naming a connected page and one of the configured markets. */
    const focusOn = (req: http.IncomingMessage, res: http.ServerResponse) => {
      let body = ""
      req.setEncoding("utf8")
      req.on("data", (chunk: string) => {
        // once refused, the rest of the body is read and dropped (never kept: a large body costs no memory)
        if (res.headersSent) return
        body += chunk
        if (body.length > 1024) {
          json(res, 413, '{"error":"the body is larger than 1 KiB"}')
          body = ""
        }
      })
      req.on("end", () => {
        if (res.headersSent) return
        let parsed: unknown
        try {
          parsed = JSON.parse(body)
        } catch {
          return json(res, 400, '{"error":"the body is not JSON"}')
        }
        const { page, market } = (parsed ?? {}) as { page?: unknown; market?: unknown }
        const p = typeof page === "string" ? pages.get(page) : undefined
        if (p === undefined) return json(res, 404, '{"error":"no such page connected"}')
        if (market !== null && (typeof market !== "string" || !keys.has(market))) {
          return json(res, 400, '{"error":"market: one of the configured markets (venue:symbol), or null"}')
        }
        p.focus = market ?? undefined
        p.sent = undefined
        json(res, 200, '{"ok":true}')
      })
    }

    const handle = (req: http.IncomingMessage, res: http.ServerResponse, authorized: boolean): boolean => {
      const url = (req.url ?? "/").split("?")[0]!
      if (req.method === "POST" && url === "/events/focus") {
        if (!authorized) json(res, 401, '{"error":"a bearer token is required"}')
        else focusOn(req, res)
        return true
      }
      if (req.method !== "GET") return false
      const asset = assets.get(url === "/index.html" ? "/" : url)
      if (asset !== undefined) {
        res.writeHead(200, { "content-type": asset[0], "cache-control": "no-cache", ...security }).end(asset[1])
        return true
      }
      if (url !== "/events") return false
      if (!authorized) {
        json(res, 401, '{"error":"a bearer token is required"}')
        return true
      }
      if (pages.size >= maxPages) {
        json(res, 503, `{"error":"${maxPages} dashboard pages are open already"}`)
        return true
      }
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
        ...security
      })
      const p: Page = { id: randomUUID(), res, fresh: true, focus: undefined, sent: undefined }
      res.write(frame("hello", { page: p.id }))
      pages.set(p.id, p)
      res.on("close", () => pages.delete(p.id))
      return true
    }
    return { handle, clients: () => pages.size }
  })
