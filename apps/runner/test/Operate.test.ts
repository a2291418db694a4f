/**
 * Operating a running bot, end to end on kalshi-sim over loopback, the whole run graph in this process
 * (`AppLive.layer`: lock, journal, Risk, venue, the maker, alerts, control API, status, the stop):
 * - a pause of one market (`alpha-hunter pause --venue k --market X`, the real CLI) pulls our quotes there
 *   within a decision and sends nothing more there while the other markets keep quoting; a resume restarts it;
 * - halted means quiet: after a halt, one log line, our quotes pulled, then no request and no Risk denial
 *   however the books move; the webhook receives the halt and the resume alerts;
 * - every scope is reachable through the API (global, venue, strategy everywhere, strategy on a venue,
 *   market) and the CLI (a venue, a strategy everywhere; global is in Control.test); a market without its
 *   venue, or one the venue lacks, is refused in one line.
 */
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as App from "../src/App.js"
import * as AppLive from "../src/AppLive.js"
import * as Control from "../src/Control.js"
import { registry } from "../src/Plugins.js"
import { Run } from "../src/Run.js"
import { cli, poll, readJournal, tempDir, waitUntil, webhookReceiver, writeFile } from "./helpers.js"

describe("operating a running bot", () => {
  it.scopedLive(
    "market pause (CLI) and resume; a halt is quiet (no request, no denial) and alerted; every scope reachable",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ markets: 3, seed: 11, flow: { ratePerSec: 30 } })
        const key = yield* sim.generateKey()
        const hook = yield* webhookReceiver
        const dir = tempDir()
        const journal = `${dir}/journal.sqlite`
        const raw = {
          venues: {
            k: {
              type: "kalshi",
              restUrl: sim.restUrl,
              wsUrl: sim.wsUrl,
              apiKeyId: key.keyId,
              privateKeyPath: writeFile(dir, "key.pem", key.privateKeyPem)
            }
          },
          strategies: {
            mm: {
              plugin: "maker",
              venue: "k",
              markets: { limit: 3 },
              mode: "liquidity",
              params: { orderSize: "1", minSpreadTicks: 2 }
            }
          },
          journal: { path: journal },
          run: { sampleIntervalMs: 0, statusIntervalMs: 60_000 },
          alerts: { webhook: hook.url, minIntervalMs: 0, dailySummaryAt: "off" }
        }
        const configFile = writeFile(dir, "config.yaml", JSON.stringify(raw))
        const resolved = Either.getOrThrow(App.resolve(configFile, raw, registry))
        const lines: Array<string> = []
        // everything logged through Effect's logger too (the maker's, Risk's, the venue's)
        const logged: Array<string> = []
        const capture = Logger.make(({ message }) => {
          logged.push(Array.isArray(message) ? message.map(String).join(" ") : String(message))
        })
        const ctx = yield* Layer.build(AppLive.layer(resolved, journal, (l) => Effect.sync(() => lines.push(l)))).pipe(
          Effect.provide(Logger.replace(Logger.defaultLogger, capture))
        )
        const h = Context.get(ctx, Run)
        const engine = h.sessions[0]!.engine
        const bot = Control.find(journal)!
        const post = (path: string, body: unknown) =>
          Effect.promise(async () => {
            const r = await fetch(`${bot.url}${path}`, { method: "POST", body: JSON.stringify(body) })
            return { status: r.status, body: (await r.json()) as Record<string, unknown> }
          })
        const status = Effect.promise(
          async () => (await (await fetch(`${bot.url}/status`)).json()) as { scopes: Array<{ scope: string }> }
        )
        const openIn = (symbol?: string) =>
          Effect.map(
            engine.live,
            (ts) => ts.filter((t) => t.status === "open" && (symbol === undefined || t.symbol === symbol)).length
          )
        const lastSeq = Effect.map(readJournal(journal), (es) => es.at(-1)?.seq ?? 0)
        const after = (seq: number) => Effect.map(readJournal(journal), (es) => es.filter((e) => e.seq > seq))
        const writes = (es: ReadonlyArray<{ kind: string; data: Record<string, unknown> }>) =>
          es.filter((e) => e.kind === "request" && e.data["op"] !== "cancel").length
        // refusals because the scope is halted or paused (other refusals, e.g. a self-cross, are not asked for more)
        const denials = (es: ReadonlyArray<{ kind: string; data: Record<string, unknown> }>) =>
          es.filter(
            (e) => e.kind === "risk" && e.data["decision"] === "denied" && e.data["reason"] === "TRADING_HALTED"
          ).length

        // quoting in at least two markets
        const symbols = yield* poll(
          "quotes in two markets",
          Effect.map(engine.live, (ts) => {
            const s = [...new Set(ts.filter((t) => t.status === "open").map((t) => t.symbol as string))]
            return s.length >= 2 ? s : undefined
          }),
          30_000
        )
        const x = symbols[0]!

        // --- one market paused through the CLI: pulled within a decision, nothing more there ---------------
        const paused = cli(["pause", "--config", configFile, "--venue", "k", "--market", x, "--reason", "news"])
        assert.strictEqual(yield* paused.exited, 0, paused.output())
        assert.include(paused.output(), `pause: k market ${x} (journaled)`)
        yield* poll(
          "our quotes in the paused market pulled",
          Effect.map(openIn(x), (n) => (n === 0 ? true : undefined)),
          3000
        )
        const m1 = yield* lastSeq
        yield* Effect.sleep("1500 millis") // 30 book changes a second: the maker decides many times
        const inX = (yield* after(m1)).filter((e) => e.symbol === x)
        assert.strictEqual(writes(inX), 0, "orders were sent in the paused market")
        assert.strictEqual(denials(inX), 0, "the maker kept asking in the paused market")
        // the other markets keep quoting
        yield* poll(
          "quotes in another market",
          Effect.map(engine.live, (ts) => (ts.some((t) => t.status === "open" && t.symbol !== x) ? true : undefined))
        )
        assert.strictEqual(yield* openIn(x), 0)
        assert.include(
          (yield* status).scopes.map((s) => s.scope),
          `k:${x}`
        )
        const resumedX = yield* post("/resume", { venue: "k", market: x })
        assert.strictEqual(resumedX.status, 200)
        yield* poll(
          "quotes again in the resumed market",
          Effect.map(openIn(x), (n) => (n > 0 ? true : undefined))
        )

        // --- a halt: one line, quotes pulled, then quiet; alerted; resume restarts -------------------------
        const halted = yield* post("/halt", { reason: "drill" })
        assert.strictEqual(halted.status, 200)
        yield* poll(
          "every quote pulled",
          Effect.map(openIn(), (n) => (n === 0 ? true : undefined)),
          3000
        )
        const m2 = yield* lastSeq
        yield* Effect.sleep("1500 millis")
        const whileHalted = yield* after(m2)
        assert.strictEqual(writes(whileHalted), 0, "orders were sent while halted")
        assert.strictEqual(denials(whileHalted), 0, "the maker kept asking while halted")
        assert.strictEqual(lines.filter((l) => l.includes("→ HALTED (halted: drill")).length, 1, lines.join("\n"))
        // one line at the halt, and nothing else about it: no denial, no second account of the change
        assert.isFalse(
          [...lines, ...logged].some((l) => l.includes("TRADING_HALTED") || l.includes("risk state change")),
          logged.join("\n")
        )
        yield* post("/resume", {})
        yield* poll(
          "quotes after the resume",
          Effect.map(openIn(), (n) => (n > 0 ? true : undefined))
        )
        yield* waitUntil("the resume alert", () => hook.got.some((a) => a["kind"] === "resume"), 5000)
        const halts = hook.got.filter((a) => a["kind"] === "halt").map((a) => String(a["reason"]))
        assert.isTrue(
          halts.some((r) => r.includes(`market ${x}`) && r.includes("news")),
          halts.join("\n")
        )
        assert.isTrue(
          halts.some((r) => r.includes("halted: drill")),
          halts.join("\n")
        )

        // --- every scope through the API; bad scopes refused in one line ---------------------------------
        const scopes = [{ venue: "k" }, { strategy: "mm" }, { venue: "k", strategy: "mm" }, { venue: "k", market: x }]
        const labels = ["k", "*/mm", "k/mm", `k:${x}`]
        for (const [i, scope] of scopes.entries()) {
          assert.strictEqual((yield* post("/pause", scope)).status, 200)
          assert.deepStrictEqual(
            (yield* status).scopes.map((s) => s.scope),
            [labels[i]]
          )
          assert.strictEqual((yield* post("/resume", scope)).status, 200)
          assert.deepStrictEqual((yield* status).scopes, [])
        }
        // and through the CLI: a venue, a strategy everywhere (two commands at once)
        const byCli = [
          cli(["pause", "--config", configFile, "--venue", "k"]),
          cli(["pause", "--config", configFile, "--strategy", "mm"])
        ]
        for (const p of byCli) assert.strictEqual(yield* p.exited, 0, p.output())
        assert.include(byCli[1]!.output(), "pause: strategy mm everywhere (journaled)")
        assert.sameMembers(
          (yield* status).scopes.map((s) => s.scope),
          ["k", "*/mm"]
        )
        yield* post("/resume", { venue: "k" })
        yield* post("/resume", { strategy: "mm" })
        const noVenue = yield* post("/pause", { market: x })
        assert.strictEqual(noVenue.status, 400)
        assert.strictEqual(noVenue.body["error"], "a market needs its venue")
        const noMarket = yield* post("/pause", { venue: "k", market: "NOPE" })
        assert.strictEqual(noMarket.body["error"], 'no market "NOPE" on k')

        const controls = (yield* readJournal(journal)).filter((e) => e.kind === "control")
        assert.deepInclude(
          controls.map((e) => ({ action: e.data["action"], symbol: e.symbol })),
          { action: "pause", symbol: x }
        )
      }),
    60_000
  )
})
