import * as crypto from "node:crypto"
import { Decimal as D, Ids, Order, TickGrid } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as errors from "../src/internal/errors.js"
import * as parse from "../src/internal/parse.js"
import * as parseMarket from "../src/internal/parseMarket.js"
import * as sign from "../src/internal/sign.js"
import * as KalshiConfig from "../src/KalshiConfig.js"

describe("side and price mapping (one YES book)", () => {
  it("core buy/sell = V2 bid/ask at the YES price", () => {
    assert.strictEqual(parse.toBookSide("buy"), "bid")
    assert.strictEqual(parse.toBookSide("sell"), "ask")
    assert.strictEqual(parse.fromBookSide("bid"), "buy")
    assert.strictEqual(parse.fromBookSide("ask"), "sell")
  })
  it("outcome vocabulary: buy NO@q = sell YES@(1−q); sell NO@q = buy YES@(1−q)", () => {
    const q = D.d("0.48")
    assert.deepStrictEqual(parse.fromOutcome("yes", "buy", D.d("0.52")), { side: "buy", yesPrice: D.d("0.52") })
    assert.deepStrictEqual(parse.fromOutcome("yes", "sell", D.d("0.52")), { side: "sell", yesPrice: D.d("0.52") })
    assert.deepStrictEqual(parse.fromOutcome("no", "buy", q), { side: "sell", yesPrice: D.d("0.52") })
    assert.deepStrictEqual(parse.fromOutcome("no", "sell", q), { side: "buy", yesPrice: D.d("0.52") })
    assert.deepStrictEqual(parse.toOutcome("sell", D.d("0.52")), { outcome: "no", action: "buy", price: q })
  })
  it("book levels: NO bids are YES asks at 1 − q unless use_yes_price", () => {
    assert.strictEqual(parse.bookLevelSide("no"), "sell")
    assert.isTrue(D.eq(parse.bookLevelYesPrice("no", D.d("0.48"), false), D.d("0.52")))
    assert.isTrue(D.eq(parse.bookLevelYesPrice("no", D.d("0.52"), true), D.d("0.52")))
    const b = parse.orderBook(
      "T",
      [
        [D.d("0.45"), D.d("120")],
        [D.d("0.47"), D.d("3")]
      ],
      [[D.d("0.48"), D.d("3")]],
      0
    )
    assert.deepStrictEqual(b.bids[0], [D.d("0.47"), D.d("3")])
    assert.deepStrictEqual(b.asks[0], [D.d("0.52"), D.d("3")])
  })
  it("sub-cent NO prices convert exactly", () => {
    assert.strictEqual(D.format(parse.noToYes(D.d("0.0015")), 4), "0.9985")
  })
  it("fixed-point strings out: prices 4 dp, counts 2 dp", () => {
    assert.strictEqual(parse.formatPrice(D.d("0.56")), "0.5600")
    assert.strictEqual(parse.formatCount(D.d("10")), "10.00")
  })
  it("a tick grid from price_ranges trades strictly inside (0, 1)", () => {
    const spec = parseMarket.tickGridSpec([
      { start: D.d("0"), end: D.d("0.1"), step: D.d("0.001") },
      { start: D.d("0.1"), end: D.d("0.9"), step: D.d("0.01") },
      { start: D.d("0.9"), end: D.d("1"), step: D.d("0.001") }
    ])
    const g = TickGrid.unsafeMake(spec)
    assert.strictEqual(D.format(g.minPrice), "0.001")
    assert.strictEqual(D.format(g.maxPrice), "0.999")
    assert.isTrue(g.isOnGrid(D.d("0.095")))
    assert.isFalse(g.isOnGrid(D.d("0.555")))
  })
  it("create response → status: resting, executed, canceled", () => {
    const req = Order.OrderRequest.make({
      symbol: Ids.Symbol.make("T"),
      side: "buy",
      price: D.d("0.5"),
      amount: D.d("2")
    })
    const mk = (f: string, r: string) =>
      parse.createdOrder(req, "c", { order_id: "o", fill_count: D.d(f), remaining_count: D.d(r) }, 0).status
    assert.strictEqual(mk("0", "2"), "open")
    assert.strictEqual(mk("2", "0"), "closed")
    assert.strictEqual(mk("1", "0"), "canceled")
  })
})

describe("error mapping (REFERENCE §7)", () => {
  const ctx = { venue: "kalshi" }
  const table: ReadonlyArray<readonly [number | undefined, unknown, string]> = [
    [
      401,
      {
        error: { code: "authentication_error", message: "authentication_error", details: "INCORRECT_API_KEY_SIGNATURE" }
      },
      "AuthenticationError"
    ],
    [401, { error: { code: "authentication_error", details: "NOT_FOUND" } }, "AuthenticationError"],
    [401, { error: { code: "header_timestamp_expired", message: "header timestamp expired" } }, "AuthenticationError"],
    [401, { error: { code: "signature_is_missing_from_headers" } }, "AuthenticationError"],
    [
      403,
      { error: { code: "forbidden", message: "this API key is restricted to a single sub-account" } },
      "PermissionDenied"
    ],
    [
      409,
      { error: { code: "order_already_exists", message: "order already exists", service: "exchange" } },
      "DuplicateClientOrderId"
    ],
    [400, { error: { code: "insufficient_balance" } }, "InsufficientFunds"],
    [400, { error: { code: "available_balance_too_low" } }, "InsufficientFunds"],
    [400, { error: { code: "invalid_price" } }, "InvalidOrder"],
    [
      400,
      { error: { code: "invalid_order", message: "invalid order", details: "post only cross" } },
      "PostOnlyWouldCross"
    ],
    [400, { error: { code: "invalid_order" } }, "InvalidOrder"],
    [400, { error: { code: "invalid_order_size" } }, "InvalidOrder"],
    [400, { error: { code: "order_side_mismatch" } }, "InvalidOrder"],
    [400, { error: { code: "order_ticker_mismatch" } }, "InvalidOrder"],
    [400, { error: { code: "order_id_and_client_order_id_mismatch" } }, "InvalidOrder"],
    [400, { error: { code: "conflicting_leg_outcomes" } }, "InvalidOrder"],
    [400, { error: { code: "duplicated_legs" } }, "InvalidOrder"],
    [400, { error: { code: "invalid_market_combination" } }, "InvalidOrder"],
    [404, { error: { code: "not_found", message: "not found" } }, "OrderNotFound"],
    [409, { error: { code: "market_closed" } }, "MarketClosed"],
    [400, { error: { code: "market_closed" } }, "MarketClosed"],
    [410, { error: { code: "deprecated_v1_order_endpoint" } }, "NotSupported"],
    [
      400,
      { code: "bad_request", message: "bad request", details: "json: cannot unmarshal number" },
      "ExchangeRejected"
    ],
    [400, { msg: "Parameter validation failed for GetMarkets" }, "ExchangeRejected"],
    [429, { error: "too many requests" }, "RateLimited"],
    [409, { error: { code: "anchor_order_unavailable" } }, "ExchangeRejected"],
    [500, { error: { code: "internal_server_error" } }, "ExchangeUnavailable"],
    [503, { error: { code: "service_unavailable" } }, "ExchangeUnavailable"],
    [undefined, { code: "EXCHANGE_PAUSED" }, "MarketClosed"],
    [undefined, { code: "TRADING_PAUSED" }, "MarketClosed"],
    [undefined, { code: "MARKET_INACTIVE" }, "MarketClosed"],
    [undefined, { code: "MARKET_NOT_FOUND" }, "BadSymbol"],
    [undefined, { code: "EXCEEDED_ORDER_GROUP_RISK_LIMIT" }, "InvalidOrder"],
    [undefined, { code: "REDUCE_ONLY" }, "InvalidOrder"],
    [undefined, { code: "user_not_found:_6b3e" }, "ExchangeRejected"]
  ]
  for (const [status, body, tag] of table) {
    it(`${status ?? "item"} ${JSON.stringify(body)} → ${tag}`, () => {
      const e = errors.toExchangeError(status, errors.parseErrorBody(body), ctx)
      assert.strictEqual(e._tag, tag)
    })
  }
  it("a clock-skew rejection says so, with the measured skew", () => {
    const e = errors.toExchangeError(401, errors.parseErrorBody({ error: { code: "header_timestamp_expired" } }), {
      ...ctx,
      skewMs: 42_000
    })
    assert.include(e.message, "clock")
    assert.include(e.message, "42 s")
  })
})

describe("signing (REFERENCE §2)", () => {
  const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  const ed = crypto.generateKeyPairSync("ed25519")
  it.scoped("the background signer tops a used path up at once, not only on its schedule", () =>
    Effect.gen(function* () {
      const path = "/trade-api/v2/portfolio/events/orders/o1/amend"
      const s = yield* sign.make(
        { keyId: "k", key: ed.privateKey, learn: { matches: (k) => k.endsWith("/amend") } },
        "1 hour"
      )
      s.headers("POST", path, 0) // first use: learned, signed inline
      yield* Effect.yieldNow().pipe(Effect.repeatN(5)) // the refresher runs (TestClock: no time passes)
      const before = s.stats()
      s.headers("POST", path, 0)
      assert.strictEqual(s.stats().hits, before.hits + 1)
    })
  )
  it("learned paths: an order's amend path is pre-signed after its first use, bounded and dropped when idle", () => {
    const amend = (id: string) => `/trade-api/v2/portfolio/events/orders/${id}/amend`
    const s = sign.makeSync({
      keyId: "k",
      key: ed.privateKey,
      learn: { matches: (k) => k.endsWith("/amend"), max: 2, idleMs: 5_000 }
    })
    const verify = (h: sign.AuthHeaders, path: string) =>
      crypto.verify(
        null,
        Buffer.from(`${h["KALSHI-ACCESS-TIMESTAMP"]}POST${path}`),
        ed.publicKey,
        Buffer.from(h["KALSHI-ACCESS-SIGNATURE"], "base64")
      )
    // first use: signed inline, and learned
    const first = s.headers("POST", amend("a"), 1_000)
    assert.isTrue(verify(first, amend("a")))
    assert.strictEqual(s.stats().learned, 1)
    s.topUp(1_100)
    const signed = s.stats().signed
    // second use: from the pool (no inline signing), a fresh timestamp that still verifies
    const second = s.headers("POST", amend("a"), 1_200)
    assert.strictEqual(s.stats().signed, signed)
    assert.strictEqual(s.stats().hits, 1)
    assert.isTrue(verify(second, amend("a")))
    assert.notStrictEqual(second["KALSHI-ACCESS-TIMESTAMP"], first["KALSHI-ACCESS-TIMESTAMP"])
    // other paths are never learned; the learned set is bounded (least recently used leaves)
    s.headers("GET", "/trade-api/v2/portfolio/balance", 1_300)
    s.headers("POST", amend("b"), 1_300)
    s.headers("POST", amend("c"), 1_400)
    assert.strictEqual(s.stats().learned, 2)
    // idle paths are dropped
    s.topUp(20_000)
    assert.strictEqual(s.stats().learned, 0)
  })
  it("timestamps per path: distinct and increasing, and remembered only for the paths of the last minute", () => {
    const s = sign.makeSync({ keyId: "k", key: ed.privateKey })
    const ts = (h: sign.AuthHeaders) => Number(h["KALSHI-ACCESS-TIMESTAMP"])
    const lookup = (id: string) => `/trade-api/v2/portfolio/orders/${id}`
    // the same path twice in one millisecond: two timestamps
    const a = ts(s.headers("GET", lookup("a"), 5_000))
    const b = ts(s.headers("GET", lookup("a"), 5_000))
    assert.isTrue(b > a)
    // 12,000 orders looked up once each over 1,200 s (a 24/7 maker's order ids): the memory stays bounded
    for (let i = 0; i < 12_000; i++) s.headers("GET", lookup(`o${i}`), 10_000 + i * 100)
    assert.isAtMost(s.stats().timestamps, 2 * 4_096)
    // a recent path is still remembered: its next timestamp still goes past the last one
    const last = ts(s.headers("GET", lookup("o11999"), 10_000 + 11_999 * 100))
    assert.strictEqual(last, 10_000 + 11_999 * 100 + 1)
  })
  it("pre-sign text: ms + METHOD + full path, query dropped", () => {
    assert.strictEqual(
      sign.presignText(1703123456789, "get", "/trade-api/v2/portfolio/orders?limit=5"),
      "1703123456789GET/trade-api/v2/portfolio/orders"
    )
  })
  it("RSA-PSS (salt = digest) and Ed25519 signatures verify", () => {
    const text = "1GET/trade-api/v2/portfolio/balance"
    const sig = Buffer.from(sign.signWith(rsa.privateKey, text), "base64")
    assert.isTrue(
      crypto.verify(
        "sha256",
        Buffer.from(text),
        { key: rsa.publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        sig
      )
    )
    assert.isTrue(
      crypto.verify(null, Buffer.from(text), ed.publicKey, Buffer.from(sign.signWith(ed.privateKey, text), "base64"))
    )
  })
  it.effect("PKCS#1 and PKCS#8 PEMs load, also with \\n-escaped one-line env values", () =>
    Effect.gen(function* () {
      const pkcs1 = rsa.privateKey.export({ type: "pkcs1", format: "pem" }).toString()
      const pkcs8 = ed.privateKey.export({ type: "pkcs8", format: "pem" }).toString()
      const escaped = pkcs1.replace(/\n/g, "\\n")
      for (const pem of [pkcs1, pkcs8, escaped, `"${escaped}"`]) {
        const k = yield* sign.parsePrivateKey(Redacted.make(pem))
        assert.isTrue(k.asymmetricKeyType === "rsa" || k.asymmetricKeyType === "ed25519")
      }
    })
  )
  it.effect("missing, unreadable and invalid keys fail clearly, without key material", () =>
    Effect.gen(function* () {
      const missing = yield* Effect.flip(sign.loadPrivateKey({}))
      assert.strictEqual(missing.reason, "missing")
      const unreadable = yield* Effect.flip(sign.loadPrivateKey({ privateKeyPath: "/nonexistent/key.pem" }))
      assert.strictEqual(unreadable.reason, "unreadable")
      const secret = "-----BEGIN RSA PRIVATE KEY-----\nSECRETSECRET\n-----END RSA PRIVATE KEY-----"
      const invalid = yield* Effect.flip(sign.loadPrivateKey({ privateKey: Redacted.make(secret) }))
      assert.strictEqual(invalid.reason, "invalid")
      assert.notInclude(invalid.message, "SECRET")
    })
  )
  it("hot paths are pre-signed with distinct, fresh timestamps", () => {
    const s = sign.makeSync({
      keyId: "k",
      key: ed.privateKey,
      hotPaths: [["POST", "/trade-api/v2/portfolio/events/orders"]],
      poolSize: 3
    })
    s.topUp(1000)
    const a = s.headers("POST", "/trade-api/v2/portfolio/events/orders", 1001)
    const b = s.headers("POST", "/trade-api/v2/portfolio/events/orders", 1001)
    assert.notStrictEqual(a["KALSHI-ACCESS-TIMESTAMP"], b["KALSHI-ACCESS-TIMESTAMP"])
    assert.strictEqual(s.stats().hits, 2)
    // stale entries are never used
    const c = s.headers("POST", "/trade-api/v2/portfolio/events/orders", 60_000)
    assert.strictEqual(c["KALSHI-ACCESS-TIMESTAMP"], "60000")
  })
})

describe("config", () => {
  it.effect("from the environment: KALSHI_ENV picks the official hosts; the key stays Redacted", () =>
    Effect.gen(function* () {
      const cfg = yield* Effect.withConfigProvider(
        KalshiConfig.fromEnv,
        ConfigProvider.fromMap(
          new Map([
            ["KALSHI_ENV", "prod"],
            ["KALSHI_API_KEY_ID", "abc"],
            ["KALSHI_PRIVATE_KEY", "pem"]
          ]),
          { pathDelim: "_" }
        )
      )
      assert.strictEqual(KalshiConfig.urls(cfg).rest, "https://external-api.kalshi.com/trade-api/v2")
      assert.isTrue(Redacted.isRedacted(cfg.privateKey))
      assert.notInclude(String(cfg.privateKey), "pem")
      assert.strictEqual(cfg.safety.cancelOrderOnPause, true)
    })
  )
  it.effect("explicit URLs win; bad env values are refused", () =>
    Effect.gen(function* () {
      const cfg = yield* KalshiConfig.decode({ apiKeyId: "a", restUrl: "http://x/trade-api/v2/", env: "demo" })
      assert.strictEqual(KalshiConfig.urls(cfg).rest, "http://x/trade-api/v2")
      assert.strictEqual(KalshiConfig.urls(cfg).ws, "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2")
      const bad = yield* Effect.either(KalshiConfig.decode({ apiKeyId: "a", env: "staging" }))
      assert.isTrue(Either.isLeft(bad))
    })
  )
  it.effect("the order group's pause: 15 s by default, whole milliseconds from 0 to an hour", () =>
    Effect.gen(function* () {
      const cfg = yield* KalshiConfig.decode({ apiKeyId: "a", env: "demo" })
      assert.strictEqual(cfg.safety.orderGroupPauseMs, 15_000)
      for (const v of [-5, 1.5, 7_200_000, "15000"]) {
        const bad = yield* Effect.either(
          KalshiConfig.decode({ apiKeyId: "a", env: "demo", safety: { orderGroupPauseMs: v } })
        )
        assert.isTrue(Either.isLeft(bad), String(v))
      }
    })
  )
})
