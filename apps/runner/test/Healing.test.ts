import { VenueHealth } from "@alpha-hunter/core"
import { RiskConfig, RiskEngine } from "@alpha-hunter/risk"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Healing from "../src/Healing.js"
import * as Journal from "../src/Journal.js"
import * as VenueHealthRouter from "../src/VenueHealthRouter.js"
import { tempDir } from "./helpers.js"

const venue = "k"
const policy = Schema.decodeSync(Healing.HealingConfig)({})
const desync = (at: number) =>
  new VenueHealth.Desync({
    venue,
    reason: "REST and WebSocket disagree on 1 order(s)",
    disagreements: [{ orderId: "o1", stream: "open filled 0 remaining 1", rest: "executed filled 1 remaining 0" }],
    at
  })
const audit = (at: number, clean = true) => new VenueHealth.Audited({ venue, clean, orders: 4, at })

/** Runs events through the pure transition; returns the actions taken with their times. */
const run = (events: ReadonlyArray<VenueHealth.VenueHealth>, p = policy) => {
  let s = Healing.initial
  const actions: Array<string> = []
  for (const h of events) {
    const [a, next] = Healing.step(s, h, p)
    s = next
    if (a !== undefined) actions.push(`${a._tag}@${h.at}`)
  }
  return actions
}

/** A router's dependencies over a real Risk engine and a journal file; `lines` collects what it logs. */
const routed = (healing: Healing.HealingConfig) =>
  Effect.gen(function* () {
    const risk = yield* RiskEngine.make(RiskConfig.decodeSync({}))
    const journal = yield* Effect.provide(Journal.Journal, yield* Layer.build(Journal.layer(`${tempDir()}/j.sqlite`)))
    const view = yield* Ref.make(VenueHealthRouter.initial)
    const lines: Array<string> = []
    const deps = {
      risk,
      journal,
      log: (l: string) => Effect.sync(() => void lines.push(l)),
      healing,
      view,
      healState: yield* Ref.make(Healing.initial)
    }
    return { risk, journal, view, lines, deps }
  })

describe("healing after a desync", () => {
  it("resumes after the cool-down and N consecutive clean audits, not before", () => {
    assert.deepStrictEqual(run([desync(0), audit(5_000), audit(10_000), audit(29_000)]), [])
    assert.deepStrictEqual(run([desync(0), audit(30_000), audit(35_000)]), ["Resume@35000"])
    // an audit with disagreements starts the count again
    assert.deepStrictEqual(run([desync(0), audit(30_000), audit(35_000, false), audit(40_000), audit(45_000)]), [
      "Resume@45000"
    ])
    // the venue's own halt window pushes the earliest resume out
    const halted = new VenueHealth.Halted({ venue, reason: "cancel-all", until: 60_000, at: 1 })
    assert.deepStrictEqual(run([desync(0), halted, audit(30_000), audit(55_000), audit(60_000), audit(65_000)]), [
      "Resume@65000"
    ])
    // nothing to heal without a desync; off means only a person resumes
    assert.deepStrictEqual(run([audit(30_000), audit(35_000)]), [])
    assert.deepStrictEqual(run([desync(0), audit(30_000), audit(35_000)], { ...policy, enabled: false }), [])
  })

  it("at most K automatic resumes per hour; then it stays halted until a person resumes", () => {
    const cycle = (t: number) => [desync(t), audit(t + 30_000), audit(t + 35_000)]
    const events = [0, 100_000, 200_000, 300_000].flatMap(cycle)
    assert.deepStrictEqual(run(events), ["Resume@35000", "Resume@135000", "Resume@235000", "StayHalted@335000"])
    // an hour later the cap has room again
    assert.deepStrictEqual(run([...[0, 100_000, 200_000].flatMap(cycle), ...cycle(3_700_000)]).at(-1), "Resume@3735000")
  })

  it.scoped("through the router: Risk halts, the journal keeps the desync, and a healed venue resumes", () =>
    Effect.gen(function* () {
      const { risk, journal, view, lines, deps } = yield* routed({ ...policy, coolDownMs: 1_000 })
      yield* VenueHealthRouter.route(venue, desync(0), deps)
      assert.strictEqual(yield* risk.state({ venue }), "HALTED")
      yield* VenueHealthRouter.route(venue, audit(1_000), deps)
      yield* VenueHealthRouter.route(venue, audit(2_000), deps)
      assert.strictEqual(yield* risk.state({ venue }), "ACTIVE")
      assert.strictEqual((yield* Ref.get(view)).resumes, 1)
      const kinds = (yield* journal.query()).map((e) => `${e.kind}${e.kind === "health" ? `:${e.data["event"]}` : ""}`)
      assert.deepStrictEqual(kinds, ["desync", "health:Resumed"])
      assert.isTrue(lines.some((l) => l.includes("resumed after the desync: 2 consecutive clean audits")))
      // a venue halted by something else (a limit, a person) is never resumed by healing
      yield* risk.setState("HALTED", "operator halt", { venue })
      yield* VenueHealthRouter.route(venue, desync(10_000), deps)
      yield* risk.setState("HALTED", "operator halt", { venue })
      yield* VenueHealthRouter.route(venue, audit(11_000), deps)
      yield* VenueHealthRouter.route(venue, audit(12_000), deps)
      assert.strictEqual(yield* risk.state({ venue }), "HALTED")
    })
  )

  it.scoped("through the router: the K-per-hour cap holds — the fourth desync in an hour stays halted", () =>
    Effect.gen(function* () {
      const { risk, journal, view, lines, deps } = yield* routed(policy)
      const states: Array<string> = []
      for (const t of [0, 100_000, 200_000, 300_000]) {
        yield* VenueHealthRouter.route(venue, desync(t), deps)
        yield* VenueHealthRouter.route(venue, audit(t + 30_000), deps)
        yield* VenueHealthRouter.route(venue, audit(t + 35_000), deps)
        states.push(yield* risk.state({ venue }))
      }
      assert.deepStrictEqual(states, ["ACTIVE", "ACTIVE", "ACTIVE", "HALTED"])
      assert.strictEqual((yield* Ref.get(view)).resumes, 3)
      const resumes = (yield* journal.query()).filter((e) => e.kind === "health" && e.data["event"] === "Resumed")
      assert.strictEqual(resumes.length, 3)
      assert.isTrue(
        lines.some((l) => /stays halted/i.test(l)),
        lines.join("\n")
      )
    })
  )
})
