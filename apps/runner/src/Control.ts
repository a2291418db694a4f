/**
 * The running bot's control API (JSON over HTTP), served from inside the run:
 *
 * | call | what it does |
 * |---|---|
 * | `GET /status` | per venue: stream health, desyncs, our live orders, positions per quoted market; every scope not ACTIVE with its reason; P&L and exposure |
 * | `POST /pause` `{venue?, strategy?, market?, reason?}` | Risk `pause` for the scope — global (no keys), a venue, a strategy everywhere (`strategy` alone), a strategy on a venue, or one market of a venue (`venue` + `market`): new creates stop at the next decision |
 * | `POST /resume` `{venue?, strategy?, market?, reason?}` | Risk `resume` for the scope |
 * | `POST /halt` `{venue?, strategy?, market?, reason?}` | Risk `HALTED` for the scope |
 * | `POST /cancel-all` `{venue?, reason?}` | halt (the venue, or everything), cancel every resting order there through the venue, verify; answers what still rests |
 *
 * It listens on 127.0.0.1 by default; any other address needs a bearer token (config `control.token` or
 * ALPHA_HUNTER_CONTROL_TOKEN), and a configured token is required on every call. The address (and the
 * token) are published in `<journal>.control.json` (mode 0600) for the CLI, and removed at the end of the run.
 * Every mutating call is journaled (`control`). The same server carries the live dashboard's routes
 * (`Dashboard.ts`: `GET /` and its assets without the token, `GET /events` with it) through `routes`.
 */
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type { Risk } from "@alpha-hunter/core"
import { Decimal as D } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { ControlError, type Published } from "./ControlClient.js"
import { errorText } from "./Errors.js"
import { type RunHandle, scopeLabel } from "./Run.js"

// the CLI's side (find a running bot, call it) lives apart so the control commands start without the run's modules
export { ControlError, call, find, type Published } from "./ControlClient.js"

export interface ControlOptions {
  readonly host: string
  readonly port: number
  readonly token: string | undefined
  /** where the address is published for the CLI */
  readonly file: string
  /** more routes on the same server (the dashboard): true when it answered; `authorized` = the token matched */
  readonly routes?: (req: http.IncomingMessage, res: http.ServerResponse, authorized: boolean) => boolean
}

const Command = Schema.Struct({
  venue: Schema.optional(Schema.String),
  strategy: Schema.optional(Schema.String),
  market: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String)
})
type Command = typeof Command.Type
const decodeCommand = Schema.decodeUnknownEither(Command, { onExcessProperty: "error" })

export const isLoopback = (host: string) => host === "127.0.0.1" || host === "::1" || host === "localhost"

/** the largest command body read (a control command is a few fields) */
const MAX_BODY = 16_384

/**
 * Why a request is refused before anything else, or undefined. `hosts` holds our own `host:port` names when
 * we listen on loopback (empty otherwise): a browser that reached us through a rebound DNS name sends that
 * name as Host; a page of another origin that posts to us sends its Origin (a CLI sends none).
 */
export const guardOf = (req: http.IncomingMessage, hosts: ReadonlySet<string>): string | undefined => {
  if (hosts.size === 0) return undefined
  const host = req.headers.host?.toLowerCase()
  if (host === undefined || !hosts.has(host)) return `Host ${host ?? "(none)"} is not this API's address`
  const origin = req.headers.origin
  if (
    req.method !== "GET" &&
    origin !== undefined &&
    origin !== "null" &&
    !hosts.has(origin.replace(/^http:\/\//, ""))
  ) {
    return `a command from ${origin} is refused (another site)`
  }
  if (req.method !== "GET" && origin === "null") return "a command from an opaque origin is refused"
  return undefined
}

/** The status document (also what `alpha-hunter status` prints). */
export const status = (h: RunHandle) =>
  Effect.gen(function* () {
    const quoted = [...(yield* Ref.get(h.quoted))]
    const venues = []
    for (const s of h.sessions) {
      const live = yield* s.engine.live
      const health = yield* Ref.get(s.health)
      const positions: Record<string, string> = {}
      for (const key of quoted.filter((k) => k.startsWith(`${s.name}:`))) {
        const symbol = key.slice(s.name.length + 1)
        const p = yield* h.risk.position(s.name, symbol)
        if (p !== D.ZERO) positions[symbol] = D.format(p)
      }
      venues.push({
        venue: s.name,
        stream: health.connected ? "up" : "down",
        desyncs: health.desyncs,
        // resting on the venue: open, or with an amend or cancel in flight
        resting: live.filter(
          (t) => t.status === "open" || t.status === "pending_amend" || t.status === "pending_cancel"
        ).length,
        unresolved: live.filter((t) => t.status === "unknown").length,
        markets: quoted.filter((k) => k.startsWith(`${s.name}:`)).length,
        positions,
        budgets: yield* s.diagnostics.budgets
      })
    }
    const summary = yield* h.risk.summary()
    const scopes = (yield* h.risk.statuses).map((st) => ({
      scope: scopeLabel(st.scope),
      state: st.state,
      reason: st.reason,
      since: new Date(st.at).toISOString()
    }))
    return {
      state: scopes.length === 0 ? "ACTIVE" : scopes.map((x) => `${x.scope} ${x.state}`).join(", "),
      scopes,
      pnl: D.format(D.round(summary.pnl, 4, "half-even")),
      exposure: D.format(D.round(summary.grossExposure, 2, "half-even")),
      venues
    }
  })

/** global; a venue; a strategy everywhere (`venue` "*"); a strategy on a venue; a market of a venue */
const scopeOf = (c: Command): Risk.RiskScope | undefined =>
  c.venue === undefined
    ? c.strategy === undefined
      ? undefined
      : { venue: "*", strategy: c.strategy }
    : {
        venue: c.venue,
        ...(c.strategy !== undefined ? { strategy: c.strategy } : {}),
        ...(c.market !== undefined ? { symbol: c.market } : {})
      }

/** A command naming something this run does not have, or a combination the scopes cannot express. */
const invalid = (h: RunHandle, c: Command): string | undefined => {
  const session = h.sessions.find((s) => s.name === c.venue)
  if (c.venue !== undefined && session === undefined) return `no venue "${c.venue}" in this run`
  if (c.market !== undefined) {
    if (session === undefined) return "a market needs its venue"
    if (c.strategy !== undefined) return "a market is paused for every strategy in it: give venue and market only"
    if (!session.markets.has(c.market)) return `no market "${c.market}" on ${c.venue}`
  }
  return undefined
}

const apply = (h: RunHandle, action: string, c: Command) =>
  Effect.gen(function* () {
    const scope = scopeOf(c)
    const bad = invalid(h, c)
    if (bad !== undefined) return yield* new ControlError({ message: bad })
    const reason = `${c.reason ?? "operator"} (control API)`
    yield* h.journal
      .append({
        kind: "control",
        venue: c.venue ?? "*",
        strategy: c.strategy,
        symbol: c.market,
        data: { action, reason }
      })
      .pipe(Effect.ignore)
    switch (action) {
      case "pause":
        yield* h.risk.pause(reason, scope)
        return { ok: true }
      case "resume":
        yield* h.risk.resume(reason, scope)
        return { ok: true }
      case "halt":
        yield* h.risk.setState("HALTED", `halted: ${reason}`, scope)
        return { ok: true }
      default: {
        // cancel-all: halted first, so no decision in flight re-quotes; then the venue's own cancel-all
        yield* h.risk.setState(
          "HALTED",
          `cancel-all: ${reason}`,
          c.venue === undefined ? undefined : { venue: c.venue }
        )
        let resting = 0
        const venues: Record<string, string> = {}
        for (const s of h.sessions.filter((x) => c.venue === undefined || x.name === c.venue)) {
          const native = s.diagnostics.emergencyCancelAll
          if (native._tag === "Some") {
            const r = yield* native
              .value(`cancel-all: ${reason}`)
              .pipe(Effect.catchAll((e) => Effect.succeed({ stillResting: 1, detail: errorText(e) })))
            resting += r.stillResting
            venues[s.name] = r.detail
          } else {
            const canceled = yield* s.exchange.cancelAllOrders().pipe(Effect.orElseSucceed(() => []))
            const still = yield* s.exchange.fetchOpenOrders().pipe(Effect.orElseSucceed(() => []))
            resting += still.length
            venues[s.name] = `${canceled.length} canceled, ${still.length} still resting`
          }
        }
        return { ok: resting === 0, resting, venues }
      }
    }
  })

/** Serves the API for the life of the scope and publishes its address. */
export const serve = (h: RunHandle, o: ControlOptions): Effect.Effect<string, ControlError, Scope.Scope> =>
  Effect.gen(function* () {
    if (!isLoopback(o.host) && o.token === undefined) {
      return yield* new ControlError({
        message: `control.host ${o.host} is not loopback: set control.token (or ALPHA_HUNTER_CONTROL_TOKEN), at least 16 characters`
      })
    }
    const runtime = yield* Effect.runtime<never>()
    const run = Runtime.runPromise(runtime)
    const answer = (res: http.ServerResponse, code: number, body: unknown) =>
      res.writeHead(code, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`)
    // on loopback a page of another site must not reach us: a Host other than our own address (DNS rebinding)
    // or a cross-site Origin on a write is refused; off loopback the token guards every call
    const hosts = new Set<string>()
    const server = http.createServer((req, res) => {
      // the callback adapter: each request runs as an effect in the run's runtime
      const guard = guardOf(req, hosts)
      if (guard !== undefined) return answer(res, 403, { error: guard })
      const authorized = o.token === undefined || req.headers.authorization === `Bearer ${o.token}`
      if (o.routes?.(req, res, authorized) === true) return
      if (!authorized) {
        return answer(res, 401, { error: "a bearer token is required" })
      }
      const path = (req.url ?? "/").split("?")[0]
      if (req.method === "GET" && path === "/status") {
        run(status(h)).then(
          (s) => answer(res, 200, s),
          (e) => answer(res, 500, { error: errorText(e) })
        )
        return
      }
      const action = req.method === "POST" ? path?.slice(1) : undefined
      if (action === undefined || !["pause", "resume", "halt", "cancel-all"].includes(action)) {
        return answer(res, 404, { error: "GET /status, POST /pause, /resume, /halt or /cancel-all" })
      }
      let body = ""
      let tooLarge = false
      req.on("data", (c: Buffer) => {
        if (tooLarge) return
        body += c.toString()
        if (body.length > MAX_BODY) tooLarge = true
      })
      req.on("end", () => {
        if (tooLarge) return answer(res, 413, { error: `a command is at most ${MAX_BODY} bytes` })
        let parsed: unknown
        try {
          parsed = body.trim() === "" ? {} : JSON.parse(body)
        } catch {
          return answer(res, 400, { error: "the body is not JSON" })
        }
        const c = decodeCommand(parsed)
        if (c._tag === "Left") return answer(res, 400, { error: `bad command: ${c.left.message}` })
        // a refused command answers its own one-line message (not the runtime's wrapping of it)
        run(Effect.either(apply(h, action, c.right))).then(
          (r) => (r._tag === "Right" ? answer(res, 200, r.right) : answer(res, 400, { error: r.left.message })),
          (e) => answer(res, 500, { error: errorText(e) })
        )
      })
    })
    const port = yield* Effect.acquireRelease(
      Effect.async<number, ControlError>((resume) => {
        server.once("error", (e) =>
          resume(Effect.fail(new ControlError({ message: `control API on ${o.host}:${o.port}: ${e.message}` })))
        )
        server.listen(o.port, o.host, () => resume(Effect.succeed((server.address() as AddressInfo).port)))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    if (isLoopback(o.host)) for (const h of ["127.0.0.1", "localhost", "[::1]"]) hosts.add(`${h}:${port}`)
    const url = `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${port}`
    const published: Published = { url, pid: process.pid, ...(o.token !== undefined ? { token: o.token } : {}) }
    yield* Effect.acquireRelease(
      Effect.try({
        try: () => fs.writeFileSync(o.file, JSON.stringify(published), { mode: 0o600 }),
        catch: (e) => new ControlError({ message: `cannot write ${o.file}: ${(e as Error).message}` })
      }),
      () => Effect.sync(() => fs.rmSync(o.file, { force: true }))
    )
    return url
  })
