/** The CLI against a venue on the network (kalshi-sim): `verify` and the emergency `cancel-all`. */
import { Decimal as D, Exchange, Ids, Order } from "@alpha-hunter/core"
import { KalshiExchange } from "@alpha-hunter/kalshi"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { cli, signedGet, tempDir, writeFile } from "./helpers.js"

describe("alpha-hunter CLI on a venue", () => {
  it.scopedLive(
    "verify passes on the simulator and fails, naming the check, for a wrong key or a missing market",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ markets: 3, seed: 2 })
        const key = yield* sim.generateKey()
        const other = yield* KalshiSim.make({ markets: 1, seed: 3 })
        const foreign = yield* other.generateKey() // a key the first simulator does not know
        const dir = tempDir()
        const config = (name: string, keyPem: string, keyId: string, markets: string, wsUrl = sim.wsUrl) =>
          writeFile(
            dir,
            name,
            `venues:
  k:
    type: kalshi
    restUrl: ${sim.restUrl}
    wsUrl: ${wsUrl}
    apiKeyId: ${keyId}
    privateKeyPath: ${writeFile(dir, `${name}.pem`, keyPem)}
strategies:
  mm: { plugin: maker, venue: k, markets: ${markets}, mode: liquidity }
journal: { path: ${dir}/j.sqlite }
`
          )
        const tickers = yield* sim.tickers
        const good = cli(["verify", "--config", config("good.yaml", key.privateKeyPem, key.keyId, `["${tickers[0]}"]`)])
        assert.strictEqual(yield* good.exited, 0, good.output())
        assert.include(good.output(), "✅ k: credentials accepted")
        assert.include(good.output(), "✅ k: dual-source order verification")
        assert.include(good.output(), "✅ k: rate-limit tier read")
        assert.match(good.output(), /✅ mm: live book over the stream — .*: snapshot after \d+ ms/)
        // declared by the driver, not exercised: never a ✅
        assert.include(good.output(), "➖ k: emergency cancel path")
        assert.notInclude(good.output(), "❌")

        // a WebSocket URL that answers 404: the stream check fails, naming the URL
        const badWs = cli([
          "verify",
          "--config",
          config("badws.yaml", key.privateKeyPem, key.keyId, `["${tickers[0]}"]`, `${sim.wsUrl}/nope`)
        ])
        assert.strictEqual(yield* badWs.exited, 1, badWs.output())
        assert.match(badWs.output(), /❌ (mm: live book over the stream|k: connect) — /)
        assert.include(badWs.output(), `${sim.wsUrl}/nope`)

        // a URL of the wrong shape is a config error naming the key
        const badShape = cli([
          "verify",
          "--config",
          config("badshape.yaml", key.privateKeyPem, key.keyId, `["${tickers[0]}"]`, "api.example.com/ws")
        ])
        assert.strictEqual(yield* badShape.exited, 1, badShape.output())
        assert.include(badShape.output(), "wsUrl must be a ws(s):// URL")

        const wrongKey = cli([
          "verify",
          "--config",
          config("wrong.yaml", foreign.privateKeyPem, key.keyId, `["${tickers[0]}"]`)
        ])
        assert.strictEqual(yield* wrongKey.exited, 1, wrongKey.output())
        assert.match(wrongKey.output(), /❌ k: (connect|credentials accepted)/)

        const missing = cli([
          "verify",
          "--config",
          config("missing.yaml", key.privateKeyPem, key.keyId, '["NO-SUCH-MARKET"]')
        ])
        assert.strictEqual(yield* missing.exited, 1, missing.output())
        assert.include(missing.output(), "❌ mm: markets exist — not found on k: NO-SUCH-MARKET", missing.output())
      }),
    90_000
  )

  it.scopedLive(
    "cancel-all: the emergency button cancels every resting order on the venue and verifies none rests",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ markets: 3, seed: 4 })
        const key = yield* sim.generateKey()
        const tickers = yield* sim.tickers
        // someone (another tool, a crashed run) left orders resting on this account
        const ctx = yield* Layer.build(
          KalshiExchange.layer({
            restUrl: sim.restUrl,
            wsUrl: sim.wsUrl,
            apiKeyId: key.keyId,
            privateKey: key.privateKeyPem
          })
        )
        const ex = Context.get(ctx, Exchange.Exchange)
        for (const [i, t] of tickers.entries()) {
          yield* ex.createOrder(
            Order.OrderRequest.make({
              symbol: Ids.Symbol.make(t),
              side: "buy",
              price: D.d("0.02"),
              amount: D.d(String(i + 1)),
              postOnly: true
            })
          )
        }
        const creds = { keyId: key.keyId, privateKeyPem: key.privateKeyPem }
        const resting = () =>
          Effect.map(
            signedGet(sim.restUrl, creds, "/portfolio/orders?status=resting&limit=1000"),
            (b) => (b["orders"] as ReadonlyArray<unknown>).length
          )
        assert.strictEqual(yield* resting(), tickers.length)
        const dir = tempDir()
        const config = writeFile(
          dir,
          "k.yaml",
          `venues:
  k:
    type: kalshi
    restUrl: ${sim.restUrl}
    wsUrl: ${sim.wsUrl}
    apiKeyId: ${key.keyId}
    privateKeyPath: ${writeFile(dir, "k.pem", key.privateKeyPem)}
journal: { path: ${dir}/j.sqlite }
`
        )
        const p = cli(["cancel-all", "--config", config])
        assert.strictEqual(yield* p.exited, 0, p.output())
        assert.match(p.output(), /✅ k: canceled everything; verified through REST that nothing rests/)
        assert.strictEqual(yield* resting(), 0)
      }),
    90_000
  )
})
