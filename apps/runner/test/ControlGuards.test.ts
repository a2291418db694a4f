/**
 * The control API on loopback refuses what only another site would send: a foreign Host (DNS rebinding), a
 * cross-site or opaque Origin on a command, and an oversized body — before the token, and without acting.
 */

import * as http from "node:http"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Control from "../src/Control.js"
import { tempDir } from "./helpers.js"
import { startToy } from "./toyRun.js"

/** One raw request (node:http lets a test set Host and Origin as a browser would). */
const call = (url: string, o: { method: string; path: string; headers?: Record<string, string>; body?: string }) =>
  Effect.async<{ status: number; body: string }>((resume) => {
    const u = new URL(url)
    const req = http.request(
      { host: u.hostname, port: u.port, method: o.method, path: o.path, headers: o.headers ?? {} },
      (res) => {
        let body = ""
        res.on("data", (c: Buffer) => {
          body += c.toString()
        })
        res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, body })))
      }
    )
    req.on("error", (e) => resume(Effect.succeed({ status: -1, body: e.message })))
    req.end(o.body)
  })

describe("control API guards on loopback", () => {
  it.scopedLive("a foreign Host, a cross-site Origin and an oversized body are refused; the CLI's calls pass", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const { handle } = yield* startToy(dir)
      const url = yield* Control.serve(handle, {
        host: "127.0.0.1",
        port: 0,
        token: undefined,
        file: `${dir}/j.sqlite.control.json`
      })
      const port = new URL(url).port

      // as the CLI calls it: our own address, no Origin
      const ok = yield* call(url, { method: "GET", path: "/status" })
      assert.strictEqual(ok.status, 200)
      // a rebound DNS name reaching 127.0.0.1
      const rebound = yield* call(url, { method: "GET", path: "/status", headers: { host: `evil.example:${port}` } })
      assert.strictEqual(rebound.status, 403)
      assert.include(rebound.body, "evil.example")
      // a page of another site posting a command (no-CORS POST): refused, and nothing paused
      const cross = yield* call(url, {
        method: "POST",
        path: "/halt",
        headers: { origin: "http://evil.example", "content-type": "text/plain" },
        body: "{}"
      })
      assert.strictEqual(cross.status, 403)
      const opaque = yield* call(url, { method: "POST", path: "/halt", headers: { origin: "null" }, body: "{}" })
      assert.strictEqual(opaque.status, 403)
      assert.strictEqual(yield* handle.risk.state(), "ACTIVE")
      // an oversized body is not read to the end of memory
      const big = yield* call(url, { method: "POST", path: "/pause", body: `{"reason":"${"x".repeat(40_000)}"}` })
      assert.strictEqual(big.status, 413)
      assert.strictEqual(yield* handle.risk.state(), "ACTIVE")
      // our own page (same origin) may send a command (a pause holds the scope HALTED until a resume)
      const same = yield* call(url, {
        method: "POST",
        path: "/pause",
        headers: { origin: `http://localhost:${port}`, host: `localhost:${port}` },
        body: "{}"
      })
      assert.strictEqual(same.status, 200)
      assert.strictEqual(yield* handle.risk.state(), "HALTED")
    })
  )
})
