import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { cli, readJournal, signedGet, tempDir, waitUntil, writeFile } from "./helpers.js"

describe("restart after SIGKILL", () => {
  it.scopedLive(
    "a runner killed mid-batch restarts on the same journal with 0 orphaned and 0 duplicated orders",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ markets: 6, seed: 7, flow: { ratePerSec: 20 } })
        const key = yield* sim.generateKey()
        const dir = tempDir()
        const keyFile = writeFile(dir, "key.pem", key.privateKeyPem)
        const journal = `${dir}/journal.sqlite`
        const config = (durationMs: number) =>
          writeFile(
            dir,
            `config-${durationMs}.yaml`,
            `venues:
  k:
    type: kalshi
    restUrl: ${sim.restUrl}
    wsUrl: ${sim.wsUrl}
    apiKeyId: ${key.keyId}
    privateKeyPath: ${keyFile}
strategies:
  mm:
    plugin: maker
    venue: k
    markets: { limit: 6 }
    mode: liquidity
    params: { orderSize: "3", minSpreadTicks: 2 }
journal: { path: ${journal} }
run: { durationMs: ${durationMs}, sampleIntervalMs: 0 }
`
          )

        // run 1: start quoting, then slow the venue so creates are in flight, then SIGKILL
        const first = cli(["run", "--config", config(0)])
        yield* waitUntil("the first run to start", () => first.output().includes("running —"), 60_000)
        yield* sim.faults.latency(1500, 40)
        let inFlight: ReadonlyArray<string> = []
        yield* waitUntil(
          "a create request without an outcome",
          () => {
            Effect.runFork(
              readJournal(journal).pipe(
                Effect.tap((es) => {
                  const requested = es.filter((e) => e.kind === "request" && e.data["op"] === "create")
                  const answered = new Set(
                    es.filter((e) => e.kind === "ack" || e.kind === "reject").map((e) => e.clientOrderId)
                  )
                  inFlight = requested.flatMap((e) =>
                    e.clientOrderId !== undefined && !answered.has(e.clientOrderId) ? [e.clientOrderId] : []
                  )
                }),
                Effect.ignore
              )
            )
            return inFlight.length > 0
          },
          30_000
        )
        first.child.kill("SIGKILL")
        yield* first.exited
        yield* sim.faults.clear
        assert.isAbove(inFlight.length, 0)

        // run 2: same journal; reconciles, quotes for a while, stops gracefully
        const second = cli(["run", "--config", config(6000)])
        const code = yield* second.exited
        const out = second.output()
        assert.strictEqual(code, 0, out)
        assert.include(out, "verified: none of our orders rests", out)
        assert.match(out, /reconciled: \d+ of our orders adopted, \d+ looked up/)

        // the venue's view: every order it has is one we journaled, once; none rests
        const creds = { keyId: key.keyId, privateKeyPem: key.privateKeyPem }
        const body = yield* signedGet(sim.restUrl, creds, "/portfolio/orders?limit=1000")
        const venueOrders = body["orders"] as ReadonlyArray<{ client_order_id: string; status: string }>
        assert.isAbove(venueOrders.length, 0)
        const entries = yield* readJournal(journal)
        const creates = entries.filter((e) => e.kind === "request" && e.data["op"] === "create")
        const createIds = creates.map((e) => e.clientOrderId!)
        assert.strictEqual(new Set(createIds).size, createIds.length, "a client order id was sent twice")
        const orphans = venueOrders.filter((o) => !createIds.includes(o.client_order_id))
        assert.deepStrictEqual(orphans, [], "orders on the venue the journal does not know")
        assert.deepStrictEqual(
          venueOrders.filter((o) => o.status === "resting"),
          [],
          "orders still resting"
        )
        // every create that was in flight at the kill was resolved by the second run
        const outcome = new Set(
          entries
            .filter((e) => ["ack", "reject", "resolved", "reconcile", "cancel", "update"].includes(e.kind))
            .map((e) => e.clientOrderId)
        )
        for (const id of inFlight) assert.isTrue(outcome.has(id), `in-flight order ${id} was never resolved`)
      }),
    120_000
  )
})
