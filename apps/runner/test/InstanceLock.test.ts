/** One running instance per journal and per account. */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as InstanceLock from "../src/InstanceLock.js"
import { cli, tempDir, waitUntil, writeFile } from "./helpers.js"

describe("instance lock", () => {
  it.scopedLive("a live owner refuses, naming it; a gone owner's lock is taken over; released on close", () =>
    Effect.gen(function* () {
      const file = `${tempDir()}/j.sqlite.lock`
      const other = spawn("sleep", ["30"])
      yield* Effect.addFinalizer(() => Effect.sync(() => other.kill("SIGKILL")))
      fs.writeFileSync(file, JSON.stringify({ pid: other.pid, host: os.hostname(), startedAt: "earlier" }))
      const refused = yield* Effect.flip(Effect.scoped(InstanceLock.acquire(file, "journal j.sqlite")))
      assert.strictEqual(refused._tag, "InstanceLocked")
      assert.include(refused.message, `another alpha-hunter is running on journal j.sqlite: pid ${other.pid}`)
      other.kill("SIGKILL")
      yield* waitUntil("the other process to be gone", () => other.exitCode !== null || other.signalCode !== null)
      const scope = yield* Scope.make()
      yield* Scope.extend(InstanceLock.acquire(file, "journal j.sqlite"), scope)
      assert.strictEqual(JSON.parse(fs.readFileSync(file, "utf8")).pid, process.pid)
      yield* Scope.close(scope, Exit.void)
      assert.isFalse(fs.existsSync(file))
    })
  )

  it.scopedLive(
    "a second run on the same journal, or on the same account with another journal, is refused; the first runs on",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ markets: 2, seed: 3 })
        const key = yield* sim.generateKey()
        const dir = tempDir()
        const keyFile = writeFile(dir, "key.pem", key.privateKeyPem)
        const config = (journal: string) =>
          writeFile(
            dir,
            `${journal}.yaml`,
            `venues:
  k:
    type: kalshi
    restUrl: ${sim.restUrl}
    wsUrl: ${sim.wsUrl}
    apiKeyId: ${key.keyId}
    privateKeyPath: ${keyFile}
strategies:
  mm: { plugin: maker, venue: k, markets: { limit: 2 }, mode: liquidity, params: { orderSize: "1" } }
journal: { path: ${dir}/${journal}.sqlite }
run: { sampleIntervalMs: 0 }
`
          )
        const first = cli(["run", "--config", config("one")])
        yield* waitUntil("the first run to start", () => first.output().includes("running —"), 60_000)
        const sameJournal = cli(["run", "--config", config("one")])
        assert.strictEqual(yield* sameJournal.exited, 1, sameJournal.output())
        assert.match(sameJournal.output(), /another alpha-hunter is running on journal .*one\.sqlite: pid \d+/)
        const sameAccount = cli(["run", "--config", config("two")])
        assert.strictEqual(yield* sameAccount.exited, 1, sameAccount.output())
        assert.include(
          sameAccount.output(),
          `another alpha-hunter is running on kalshi ${sim.restUrl} key ${key.keyId}`
        )
        assert.notInclude(sameAccount.output(), "    at ") // one clean line, no stack trace
        // the first was not disturbed
        assert.isNull(first.child.exitCode)
        first.child.kill("SIGTERM")
        assert.strictEqual(yield* first.exited, 0, first.output())
        assert.include(first.output(), "verified: none of our orders rests")
      }),
    120_000
  )
})
