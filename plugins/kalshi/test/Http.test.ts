/** The transport's raw HTTP exchange (`internal/http.ts`) over real loopback sockets. */
import * as http from "node:http"
import type * as net from "node:net"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as RawHttp from "../src/internal/http.js"

/** A loopback server; `handler` decides what each request gets (or nothing at all). */
const server = (handler: http.RequestListener) =>
  Effect.acquireRelease(
    Effect.async<http.Server & { port: number }>((resume) => {
      const s = http.createServer(handler)
      s.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed(Object.assign(s, { port: (s.address() as net.AddressInfo).port })))
      )
    }),
    (s) =>
      Effect.async<void>((resume) => {
        s.closeAllConnections()
        s.close(() => resume(Effect.void))
      })
  )

describe("raw HTTP (node:http, keep-alive)", () => {
  it.scopedLive("an answer: status, Date header and text; the body and headers reach the server", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const s = yield* server((req, res) => {
        let body = ""
        req.on("data", (c) => (body += c))
        req.on("end", () => {
          seen.push(
            `${req.method} ${req.url} ${req.headers["kalshi-access-key"]} ${req.headers["content-type"]} ${body}`
          )
          res.writeHead(201, { "content-type": "application/json" }).end('{"ok":true}')
        })
      })
      const client = yield* RawHttp.node()
      const a = yield* client.execute({
        method: "POST",
        url: new URL(`http://127.0.0.1:${s.port}/trade-api/v2/x?y=1`),
        headers: { "KALSHI-ACCESS-KEY": "k" },
        body: '{"a":1}',
        timeoutMs: 5_000
      })
      assert.strictEqual(a.status, 201)
      assert.strictEqual(a.text, '{"ok":true}')
      assert.isString(a.date)
      assert.deepStrictEqual(seen, ['POST /trade-api/v2/x?y=1 k application/json {"a":1}'])
    })
  )

  it.scopedLive("no answer in time: a timeout error (the request may have been sent), the request abandoned", () =>
    Effect.gen(function* () {
      let closed = false
      const s = yield* server((req) => req.socket.on("close", () => (closed = true)))
      const client = yield* RawHttp.node()
      const r = yield* client
        .execute({ method: "GET", url: new URL(`http://127.0.0.1:${s.port}/slow`), headers: {}, timeoutMs: 100 })
        .pipe(Effect.either)
      assert.isTrue(Either.isLeft(r))
      if (Either.isLeft(r)) assert.strictEqual(r.left.phase, "timeout")
      yield* Effect.sleep(50)
      assert.isTrue(closed)
    })
  )

  it.scopedLive("a refused connection: a request-phase error with its code (certainly not sent)", () =>
    Effect.gen(function* () {
      const s = yield* server(() => {})
      const port = s.port
      yield* Effect.async<void>((resume) => {
        s.close(() => resume(Effect.void))
      })
      const client = yield* RawHttp.node()
      const r = yield* client
        .execute({ method: "GET", url: new URL(`http://127.0.0.1:${port}/`), headers: {}, timeoutMs: 5_000 })
        .pipe(Effect.either)
      assert.isTrue(Either.isLeft(r))
      if (Either.isLeft(r)) {
        assert.strictEqual(r.left.phase, "request")
        assert.strictEqual(r.left.code, "ECONNREFUSED")
      }
    })
  )
})
