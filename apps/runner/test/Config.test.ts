import { readdirSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as App from "../src/App.js"
import * as ConfigFile from "../src/ConfigFile.js"
import { registry } from "../src/Plugins.js"
import { runnerRoot, tempDir, writeFile } from "./helpers.js"

const examples = join(runnerRoot, "config")

describe("config files", () => {
  it.effect("every shipped example config is valid (credentials from the environment)", () =>
    Effect.gen(function* () {
      const files = readdirSync(examples).filter((f) => f.endsWith(".yaml"))
      assert.includeMembers(files, ["sim.yaml", "demo.yaml", "paper.yaml", "two-venues.yaml", "external-sim.yaml"])
      const env = {
        KALSHI_API_KEY_ID: "key-id",
        KALSHI_PRIVATE_KEY_PATH: "/path/to/key.pem",
        KALSHI_REST_URL: "http://127.0.0.1:8080/trade-api/v2",
        KALSHI_WS_URL: "ws://127.0.0.1:8080/trade-api/ws/v2"
      }
      for (const f of files) {
        const r = yield* Effect.either(App.load(join(examples, f), registry, env))
        assert.isTrue(Either.isRight(r), `${f}: ${Either.isLeft(r) ? r.left.message : ""}`)
      }
    })
  )

  it.effect("a missing environment variable is named with the key that references it", () =>
    Effect.gen(function* () {
      const r = yield* Effect.either(App.load(join(examples, "demo.yaml"), registry, {}))
      assert.isTrue(Either.isLeft(r))
      if (Either.isLeft(r)) {
        assert.include(r.left.message, "venues.kalshi.apiKeyId: environment variable KALSHI_API_KEY_ID is not set")
      }
    })
  )

  it.effect("YAML syntax errors and JSON configs", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const bad = yield* Effect.either(App.load(writeFile(dir, "bad.yaml", "venues:\n  sim: [\n"), registry, {}))
      assert.isTrue(Either.isLeft(bad) && bad.left.issues[0]!.path.startsWith("line "))
      const json = writeFile(dir, "c.json", JSON.stringify({ venues: { p: { type: "paper" } } }))
      const ok = yield* Effect.either(App.load(json, registry, {}))
      assert.isTrue(Either.isRight(ok))
      // ${NAME:-default} falls back
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a config-file reference, not a JS template
      assert.deepStrictEqual(ConfigFile.resolveEnv({ a: "${NOPE:-x}" }, {}), { a: "x" })
    })
  )

  it.effect("every mistake of every section in one pass, one line each with its path; hints for decimal strings", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const file = writeFile(
        dir,
        "many.yaml",
        `venues:
  sim: { type: kalshi-sim, markets: "many", colour: red }
  x: { type: nowhere }
strategies:
  mm:
    plugin: maker
    venue: simm
    mode: liquidity
    params: { minSpreadTicks: 0, colour: blue, orderSize: 5 }
risk:
  global: { maxOrderSize: "5", maxDailyLoss: 0.05, extra: 1 }
journal: { durabilty: full }
runn: { statusIntervalMs: 1000 }
metrics: { port: "x" }
`
      )
      const r = yield* Effect.flip(App.load(file, registry, {}))
      const lines = r.issues.map((i) => `${i.path}: ${i.message}`)
      const expected = [
        "runn: is unexpected",
        "journal.durabilty: is unexpected",
        'metrics.port: Expected number, actual "x"',
        "venues.sim.colour: is unexpected",
        'venues.sim.markets: Expected number, actual "many"',
        'venues.x.type: unknown venue plugin "nowhere"',
        'strategies.mm.venue: no venue named "simm"',
        "strategies.mm.params.colour: is unexpected",
        'strategies.mm.params.orderSize: Expected string, actual 5; write it as a string: "5"',
        "strategies.mm.params.minSpreadTicks: Expected a positive number, actual 0",
        "risk.global.extra: is unexpected",
        'risk.global.maxDailyLoss: Expected string, actual 0.05; write it as a string: "0.05"'
      ]
      for (const e of expected) {
        assert.isTrue(
          lines.some((l) => l.startsWith(e)),
          `missing "${e}" in:\n${lines.join("\n")}`
        )
      }
      // each once, one line each, no alternatives of an optional key, nothing else
      assert.strictEqual(lines.length, expected.length, lines.join("\n"))
      assert.isFalse(lines.some((l) => l.includes("\n") || l.includes("Expected undefined")))
    })
  )
})
