// The tick-to-order floor: a bare `ws` client in its own process. It subscribes to one market's book and
// answers every trigger frame (one that contains $BENCH_TRIGGER_NEEDLE) with a pre-signed HTTP POST. The
// signature (timestamp + METHOD + path) is refreshed once a second off the hot path; the request targets an
// order id that does not exist, so the simulator answers 404 and its state never changes.
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import { createRequire } from "node:module"

const env = process.env
const WS = createRequire(env.BENCH_WS_FROM)("ws")
const key = crypto.createPrivateKey(fs.readFileSync(env.BENCH_KEY_PATH, "utf8"))
const keyId = env.BENCH_KEY_ID
const host = env.BENCH_HOST
const port = Number(env.BENCH_PORT)
const ticker = env.BENCH_TICKER
const needle = Buffer.from(env.BENCH_TRIGGER_NEEDLE)
const sign = (text) =>
  key.asymmetricKeyType === "ed25519"
    ? crypto.sign(null, Buffer.from(text), key).toString("base64")
    : crypto
        .sign("sha256", Buffer.from(text), {
          key,
          padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST
        })
        .toString("base64")
const headersFor = (method, path) => {
  const ts = Date.now()
  return {
    "KALSHI-ACCESS-KEY": keyId,
    "KALSHI-ACCESS-TIMESTAMP": String(ts),
    "KALSHI-ACCESS-SIGNATURE": sign(`${ts}${method}${path}`)
  }
}
const path = "/trade-api/v2/portfolio/events/orders/00000000-0000-0000-0000-000000000000/amend"
const body = JSON.stringify({ ticker, side: "bid", price: "0.5000", count: "1.00" })
let presigned = {
  ...headersFor("POST", path),
  "content-type": "application/json",
  "content-length": Buffer.byteLength(body)
}
setInterval(() => {
  presigned = {
    ...headersFor("POST", path),
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body)
  }
}, 1000).unref()
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
// warm one keep-alive connection
http.request({ host, port, method: "GET", path: "/trade-api/v2/exchange/status", agent }, (r) => r.resume()).end()
const wsPath = "/trade-api/ws/v2"
const ws = new WS.WebSocket(`ws://${host}:${port}${wsPath}`, { headers: headersFor("GET", wsPath) })
ws.on("open", () => {
  ws.send(
    JSON.stringify({
      id: 1,
      cmd: "subscribe",
      params: { channels: ["orderbook_delta"], market_tickers: [ticker], use_yes_price: true }
    })
  )
})
let answered = 0
ws.on("message", (data) => {
  if (data.indexOf(needle) >= 0) {
    const req = http.request({ host, port, method: "POST", path, agent, headers: presigned }, (r) => r.resume())
    req.end(body)
    answered++
  } else if (answered === 0 && data.indexOf("orderbook_snapshot") >= 0) {
    process.stdout.write("ready\n")
  }
})
ws.on("error", (e) => {
  process.stderr.write(`floor client: ${e.message}\n`)
  process.exit(1)
})
process.on("SIGTERM", () => {
  ws.close()
  agent.destroy()
  process.exit(0)
})
