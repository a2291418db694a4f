/**
 * A raw Kalshi REST client for the harness (node:http keep-alive + node:crypto signing through the simulator's
 * public `KalshiSigning`). It is the transport under the ccxt and seed limiters, so the three limiters differ
 * only in when they let a request go.
 */
import * as http from "node:http"
import { KalshiSigning } from "@alpha-hunter/kalshi-sim"

export interface RawResponse {
  readonly status: number
  readonly text: string
  /** performance.now() when the request was handed to the socket, and when the response ended */
  readonly tSend: number
  readonly tDone: number
}

export interface RawClient {
  readonly request: (method: string, path: string, body?: unknown) => Promise<RawResponse>
  readonly close: () => void
}

export const make = (
  host: string,
  port: number,
  creds: KalshiSigning.Credentials,
  options: { readonly maxSockets?: number } = {}
): RawClient => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 })
  const request = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const full = `/trade-api/v2${path}`
      const raw = body === undefined ? undefined : JSON.stringify(body)
      const headers: Record<string, string | number> = KalshiSigning.signHeaders(creds, method, full, Date.now())
      if (raw !== undefined) {
        headers["content-type"] = "application/json"
        headers["content-length"] = Buffer.byteLength(raw)
      }
      const tSend = performance.now()
      const req = http.request({ host, port, method, path: full, agent, headers }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString(),
            tSend,
            tDone: performance.now()
          })
        )
        res.on("error", reject)
      })
      req.on("error", reject)
      req.end(raw)
    })
  return { request, close: () => agent.destroy() }
}
