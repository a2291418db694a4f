import { readFileSync, writeFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { artifact, browser, step, until } from "./browser.js"
import { cli, readJournal, simBot, waitUntil } from "./helpers.js"

const token = "a-dashboard-test-token-0123"

const createsAfter = (journal: string, seq: number) =>
  Effect.map(
    readJournal(journal),
    (es) => es.filter((e) => e.seq > seq && e.kind === "request" && e.data["op"] === "create").length
  )
/** Create requests per market after `seq`. */
const createsBySymbol = (journal: string, seq: number) =>
  Effect.map(readJournal(journal), (es) => {
    const out = new Map<string, number>()
    for (const e of es) {
      if (e.seq > seq && e.kind === "request" && e.data["op"] === "create" && e.symbol !== undefined) {
        out.set(e.symbol, (out.get(e.symbol) ?? 0) + 1)
      }
    }
    return out
  })
const lastSeq = (journal: string) => Effect.map(readJournal(journal), (es) => es[es.length - 1]?.seq ?? 0)

describe("dashboard in headless Chromium", () => {
  it.scopedLive(
    "asks for the token, lists every configured market, updates live, pause pauses and resume resumes (all, one market)",
    () =>
      Effect.gen(function* () {
        const { config, journal } = yield* simBot({
          markets: 3,
          seed: 21,
          flowPerSec: 5,
          extra: `control: { token: ${token} }\n`,
          // the LIP sampler on, journaling every 2 s: the page's LIP today, the report's program tables
          run: "{ sampleIntervalMs: 1000, sampleFlushMs: 2000 }"
        })
        const bot = cli(["run", "--config", config])
        yield* Effect.addFinalizer(() => Effect.sync(() => bot.child.kill("SIGKILL")))
        yield* waitUntil("the dashboard address", () => /dashboard: http:\/\/\S+/.test(bot.output()), 60_000)
        const url = /dashboard: (http:\/\/\S+)/.exec(bot.output())![1]!
        const symbols = /maker on k: 3 markets \(([^)]+)\)/.exec(bot.output())![1]!.split(", ")

        // the page itself is served without the token and carries none; its data needs the token
        const page0 = yield* Effect.promise(() => fetch(url).then((r) => r.text()))
        assert.include(page0, "<title>alpha-hunter")
        assert.notInclude(page0, token)
        const anonymous = yield* Effect.promise(() => fetch(`${url}events`))
        assert.strictEqual(anonymous.status, 401)

        const b = yield* browser
        const page = yield* step("new page", () => b.newPage({ viewport: { width: 1366, height: 900 } }))
        yield* step("open", () => page.goto(url))
        yield* step("token form", () => page.locator("#token").waitFor({ state: "visible", timeout: 5000 }))
        yield* step("enter the token", async () => {
          await page.fill("#token-input", token)
          await page.click("#token button[type=submit]")
        })
        // every configured market is listed
        yield* until("3 rows", async () => (await page.locator("#markets tbody tr").count()) === 3)
        const keys = yield* step("row keys", () =>
          page.$$eval("#markets tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-key")))
        )
        assert.deepStrictEqual([...keys].sort(), symbols.map((s) => `k:${s}`).sort())
        // live: payloads keep arriving and our resting liquidity shows up
        const t0 = Number(yield* step("ticks", () => page.getAttribute("body", "data-ticks")))
        yield* until(
          "live updates with liquidity resting",
          async () =>
            Number(await page.getAttribute("body", "data-ticks")) >= t0 + 2 &&
            !["$0.00", null].includes(await page.locator('#portfolio [data-field="resting"]').textContent()),
          15_000
        )
        // LIP: every simulated market has its own liquidity program; today's figures once the sampler flushed
        const lipNow = yield* step("LIP now", () =>
          page.$$eval('#markets [data-field="lip-now"]', (tds) => tds.map((td) => td.textContent))
        )
        assert.strictEqual(lipNow.length, 3)
        assert.notInclude(lipNow, "no program")
        yield* until(
          "today's projected LIP reward",
          async () =>
            (await page.$$eval('#markets [data-field="lip-projected"]', (tds) => tds.map((td) => td.textContent))).some(
              (x) => /^\$\d+\.\d\d$/.test(x ?? "")
            ),
          15_000
        )
        const charts = yield* step("charts", () => page.locator("canvas").count())
        assert.isAtLeast(charts, 3, "portfolio and market charts")
        yield* step("screenshot", () =>
          page.screenshot({
            path: artifact("dashboard.png"),
            fullPage: true,
            clip: { x: 0, y: 0, width: 1366, height: 1100 }
          })
        )

        // pause: no new creates; the state badge leaves ACTIVE
        yield* step("pause", () => page.click("#pause"))
        yield* until("pause: done", async () => (await page.locator("#message").textContent()) === "pause: done")
        yield* until("the badge leaves ACTIVE", async () => (await page.locator("#state").textContent()) !== "ACTIVE")
        yield* Effect.sleep("1 second") // a decision in flight finishes
        const mark = yield* lastSeq(journal)
        yield* Effect.sleep("2 seconds") // the flow moves the books: an unpaused maker would requote
        assert.strictEqual(yield* createsAfter(journal, mark), 0, "orders were created while paused")
        // the same page in the dark scheme (prefers-color-scheme), paused
        yield* step("dark", () => page.emulateMedia({ colorScheme: "dark" }))
        const background = yield* step("background", () =>
          page
            .locator("body")
            .evaluate(
              (b) =>
                (
                  globalThis as unknown as { getComputedStyle: (e: unknown) => { backgroundColor: string } }
                ).getComputedStyle(b).backgroundColor
            )
        )
        assert.strictEqual(background, "rgb(15, 18, 22)")
        yield* step("screenshot paused", () => page.screenshot({ path: artifact("dashboard-paused-dark.png") }))

        // resume: creates again
        // (marked before the click, as for one market below)
        const mark2 = yield* lastSeq(journal)
        yield* step("resume", () => page.click("#resume"))
        yield* until("the badge back to ACTIVE", async () => (await page.locator("#state").textContent()) === "ACTIVE")
        yield* waitUntil(
          "a create after resume",
          () => Effect.runSync(Effect.orElseSucceed(createsAfter(journal, mark2), () => 0)) > 0,
          15_000
        )
        // one market's own Pause: no new creates there while the others keep quoting; its row says PAUSED
        yield* step("light", () => page.emulateMedia({ colorScheme: "light" }))
        const [one, ...others] = symbols
        const row = (symbol: string) => page.locator(`#markets tbody tr[data-key="k:${symbol}"]`)
        const stateOf = (symbol: string) => row(symbol).locator('[data-field="state"]').textContent()
        yield* step("pause one market", () => row(one!).locator('button[data-action="pause"]').click())
        yield* until(
          "pause: done (that market)",
          async () => (await page.locator("#message").textContent()) === `pause: done (k:${one})`
        )
        yield* until("its row says PAUSED", async () => (await stateOf(one!)) === "PAUSED")
        // its button is now its Resume; the others' still Pause
        for (const s of others) {
          assert.strictEqual(
            yield* step("others' button", () => row(s).locator("button").getAttribute("data-action")),
            "pause"
          )
        }
        for (const s of others) assert.strictEqual(yield* step("others", () => stateOf(s)), "ACTIVE")
        assert.strictEqual(yield* step("badge", () => page.locator("#state").textContent()), "PARTIAL")
        yield* Effect.sleep("1 second") // a decision in flight finishes
        const mark3 = yield* lastSeq(journal)
        yield* waitUntil(
          "another market creates orders",
          () =>
            Effect.runSync(
              Effect.orElseSucceed(
                Effect.map(createsBySymbol(journal, mark3), (m) => others.some((s) => (m.get(s) ?? 0) > 0)),
                () => false
              )
            ),
          15_000
        )
        const paused = yield* createsBySymbol(journal, mark3)
        assert.strictEqual(paused.get(one!) ?? 0, 0, "orders were created on the paused market")
        yield* step("screenshot one market paused", () =>
          page.screenshot({ path: artifact("dashboard-market-paused.png"), fullPage: true })
        )
        // its Resume: it quotes again
        // (marked before the click: the maker may create at once, and then not again while its quotes stand)
        const mark4 = yield* lastSeq(journal)
        yield* step("resume one market", () => row(one!).locator('button[data-action="resume"]').click())
        yield* until("its row back to ACTIVE", async () => (await stateOf(one!)) === "ACTIVE")
        yield* waitUntil(
          "a create on that market after its resume",
          () =>
            Effect.runSync(
              Effect.orElseSucceed(
                Effect.map(createsBySymbol(journal, mark4), (m) => (m.get(one!) ?? 0) > 0),
                () => false
              )
            ),
          30_000
        )
        const entries = yield* readJournal(journal)
        const actions = entries
          .filter((e) => e.kind === "control")
          .map((e) => `${e.data["action"]}${e.symbol ? ` ${e.symbol}` : ""}`)
        assert.deepStrictEqual(actions, ["pause", "resume", `pause ${one}`, `resume ${one}`])
        bot.child.kill("SIGTERM")
        assert.strictEqual(yield* bot.exited, 0, bot.output())
        assert.isAbove(readFileSync(artifact("dashboard.png")).length, 10_000)

        // the HTML report of that run: one file, opens offline, shows its charts with a legend each
        const report = cli(["report", "--journal", journal, "--format", "html"])
        assert.strictEqual(yield* report.exited, 0, report.output())
        const file = artifact("report.html")
        writeFileSync(file, report.output())
        const offline = yield* step("new page", () => b.newPage({ viewport: { width: 1280, height: 900 } }))
        const fetched: Array<string> = []
        offline.on("request", (req) => {
          if (!req.url().startsWith("file:")) fetched.push(req.url())
        })
        yield* step("open the report", () => offline.goto(`file://${file}`))
        yield* until("charts drawn", async () => Number(await offline.getAttribute("body", "data-charts")) >= 5)
        const drawn = yield* step("count", () => offline.locator(".uplot").count())
        assert.strictEqual(drawn, 2 + 3 * (yield* step("markets", () => offline.locator("[data-market]").count())))
        assert.isAtLeast(yield* step("market rows", () => offline.locator("#markets tbody tr").count()), 1)
        const legends = yield* step("legends", () =>
          offline.$$eval(
            "figure",
            (fs) => fs.filter((f) => (f.querySelector("figcaption")?.textContent ?? "") !== "").length
          )
        )
        assert.strictEqual(legends, yield* step("figures", () => offline.locator("figure").count()))
        // the incentive programs: one row per program and market, a TOTAL, the report's legend per column
        assert.strictEqual(yield* step("program rows", () => offline.locator("#lipPrograms tbody tr").count()), 3)
        assert.strictEqual(
          yield* step("program total", () => offline.locator("#lipPrograms tfoot td").first().textContent()),
          "TOTAL"
        )
        assert.strictEqual(yield* step("legend", () => offline.locator("#lipPrograms-legend li").count()), 11)
        assert.deepStrictEqual(fetched, [], "the report fetched something")
        yield* step("report screenshot", () =>
          offline.screenshot({
            path: artifact("report.png"),
            fullPage: true,
            clip: { x: 0, y: 0, width: 1280, height: 1400 }
          })
        )
      }),
    120_000
  )
})
