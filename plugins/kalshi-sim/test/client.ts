/**
 * Independent raw Kalshi client for tests: node:crypto signing (via KalshiSigning, which only uses
 * node:crypto), plain node:http and plain `ws`. Deliberately not the Kalshi plugin.
 */
import * as http from "node:http"
import { Effect, type Scope } from "effect"
import WebSocket from "ws"
import { KalshiSigning, KalshiSim } from "../src/index.js"

export interface Resp {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
  // biome-ignore lint/suspicious/noExplicitAny: test convenience for JSON bodies
  readonly body: any
}

export interface ReqOpts {
  readonly body?: unknown
  readonly raw?: string
  readonly auth?: boolean
  readonly creds?: KalshiSigning.Credentials
  readonly ts?: number
  readonly headers?: Record<string, string>
  /** path to sign instead of the real one (to test signing mistakes) */
  readonly signPath?: string
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })

export const makeClient = (sim: KalshiSim.SimHandle, creds: KalshiSigning.Credentials) => {
  const request = (method: string, path: string, opts: ReqOpts = {}): Effect.Effect<Resp, Error> =>
    Effect.async<Resp, Error>((resume) => {
      const full = path.startsWith("/_sim") ? path : `/trade-api/v2${path}`
      const raw = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body))
      const auth =
        opts.auth === false
          ? {}
          : KalshiSigning.signHeaders(opts.creds ?? creds, method, opts.signPath ?? full, opts.ts ?? sim.nowSync())
      const req = http.request(
        {
          host: sim.host,
          port: sim.port,
          method,
          path: full,
          agent,
          headers: {
            ...auth,
            ...(raw === undefined
              ? {}
              : { "content-type": "application/json", "content-length": Buffer.byteLength(raw) }),
            ...opts.headers
          }
        },
        (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (c: Buffer) => chunks.push(c))
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString()
            let body: unknown
            try {
              body = text === "" ? undefined : JSON.parse(text)
            } catch {
              body = undefined
            }
            resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, text, body }))
          })
          res.on("error", (e) => resume(Effect.fail(e)))
        }
      )
      req.on("error", (e) => resume(Effect.fail(e)))
      if (raw !== undefined) req.write(raw)
      req.end()
    })
  return {
    request,
    get: (path: string, opts?: ReqOpts) => request("GET", path, opts),
    post: (path: string, body?: unknown, opts?: ReqOpts) => request("POST", path, { ...opts, body }),
    del: (path: string, body?: unknown, opts?: ReqOpts) => request("DELETE", path, { ...opts, body }),
    put: (path: string, body?: unknown, opts?: ReqOpts) => request("PUT", path, { ...opts, body }),
    control: (path: string, body: unknown) => request("POST", `/_sim${path}`, { body, auth: false })
  }
}
export type Client = ReturnType<typeof makeClient>

// biome-ignore lint/suspicious/noExplicitAny: WS JSON frames
export type Frame = any

export interface WsClient {
  readonly ws: WebSocket
  readonly send: (obj: unknown) => void
  readonly sendRaw: (text: string) => void
  /** next frame matching pred (consumed), failing after timeoutMs */
  readonly next: (pred?: (f: Frame) => boolean, timeoutMs?: number) => Effect.Effect<Frame, Error>
  /** wait ms, then return and consume every buffered frame matching pred */
  readonly drain: (ms: number, pred?: (f: Frame) => boolean) => Effect.Effect<ReadonlyArray<Frame>>
  readonly raw: Array<string>
  readonly pings: Array<string>
  readonly closed: Promise<number>
}

export const connectWs = (
  sim: KalshiSim.SimHandle,
  creds: KalshiSigning.Credentials,
  opts: { readonly ts?: number; readonly signPath?: string } = {}
): Effect.Effect<WsClient, { readonly status: number; readonly body: string }, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<WsClient, { readonly status: number; readonly body: string }>((resume) => {
      const headers = KalshiSigning.signHeaders(
        creds,
        "GET",
        opts.signPath ?? "/trade-api/ws/v2",
        opts.ts ?? sim.nowSync()
      )
      const ws = new WebSocket(sim.wsUrl, { headers })
      const inbox: Array<Frame> = []
      const raw: Array<string> = []
      const pings: Array<string> = []
      let waiter: (() => void) | null = null
      let closedResolve: (code: number) => void = () => {}
      const closed = new Promise<number>((r) => {
        closedResolve = r
      })
      ws.on("message", (d) => {
        const text = d.toString()
        raw.push(text)
        try {
          inbox.push(JSON.parse(text))
        } catch {
          inbox.push({ type: "__unparsable__", text })
        }
        waiter?.()
      })
      ws.on("ping", (d) => pings.push(d.toString()))
      ws.on("close", (code) => closedResolve(code))
      ws.on("unexpected-response", (_req, res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () =>
          resume(Effect.fail({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
        )
      })
      ws.on("error", () => {})
      ws.on("open", () =>
        resume(
          Effect.succeed({
            ws,
            raw,
            pings,
            closed,
            send: (obj) => ws.send(JSON.stringify(obj)),
            sendRaw: (t) => ws.send(t),
            next: (pred = () => true, timeoutMs = 3000) =>
              Effect.async<Frame>((res) => {
                const check = (): boolean => {
                  const i = inbox.findIndex(pred)
                  if (i === -1) return false
                  const [f] = inbox.splice(i, 1)
                  waiter = null
                  res(Effect.succeed(f))
                  return true
                }
                if (!check()) waiter = () => void check()
                return Effect.sync(() => {
                  waiter = null
                })
              }).pipe(
                Effect.timeoutFail({
                  duration: `${timeoutMs} millis`,
                  onTimeout: () => new Error(`no matching frame within ${timeoutMs} ms; inbox=${JSON.stringify(inbox)}`)
                })
              ),
            drain: (ms, pred = () => true) =>
              Effect.sleep(`${ms} millis`).pipe(
                Effect.map(() => {
                  const out: Array<Frame> = []
                  for (let i = 0; i < inbox.length; ) {
                    if (pred(inbox[i])) out.push(...inbox.splice(i, 1))
                    else i++
                  }
                  return out
                })
              )
          })
        )
      )
    }),
    (c) => Effect.sync(() => c.ws.terminate())
  )

/** A sim (manual clock, no pings by default) plus one registered account and its raw client. */
export const setup = (opts: KalshiSim.Options = {}) =>
  Effect.gen(function* () {
    const sim = yield* KalshiSim.make({ clock: "manual", pingIntervalMs: 0, ...opts })
    const key = yield* sim.generateKey()
    const client = makeClient(sim, key)
    return { sim, key, client }
  })

export const order = (ticker: string, side: "bid" | "ask", price: string, count: string, extra: object = {}) => ({
  ticker,
  side,
  price,
  count,
  time_in_force: "good_till_canceled",
  self_trade_prevention_type: "taker_at_cross",
  ...extra
})

export const TICKER = "KXSIMA-26DEC31-E0-M0"
