import type { OrderBook } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { SimRuntime } from "../src/index.js"
import { Wakers } from "../src/internal/views.js"

/** A market whose shown book is only a version (what the readers go by), and the views built of it. */
const market = () => {
  const m = { version: 0, valid: true, built: 0 }
  const read = () => {
    if (!m.valid) return undefined
    m.built++
    return { version: m.version } as OrderBook.BookView
  }
  return { m, read, version: () => m.version }
}

/**
 * A reader of "X" running `f` on each view: through the stream (`views`) or by the loop `Exchange.followBook`
 * gives (`reader`: the same views, no channel); every test runs both ways.
 */
type Way = "stream" | "loop"
const readX = (
  wakers: Wakers,
  way: Way,
  m: ReturnType<typeof market>,
  f: (v: OrderBook.BookView) => Effect.Effect<void>
) =>
  way === "stream"
    ? Stream.runForEach(wakers.views("X", m.read, m.version), f)
    : Effect.scoped(
        Effect.flatMap(wakers.reader("X", m.read, m.version), (r) => {
          const loop: Effect.Effect<never> = Effect.flatMap(r.next, (v) => Effect.zipRight(f(v), loop))
          return loop
        })
      )

const run = <A>(program: Effect.Effect<A>) => {
  const r = SimRuntime.run(program, { startMs: 0, seed: 1 })
  assert.isTrue(Exit.isSuccess(r.exit))
  return Exit.isSuccess(r.exit) ? r.exit.value : (undefined as never)
}

describe.each(["stream", "loop"] as const)("book wake-ups (Wakers), read by %s", (way) => {
  it("a reader sees the first view at once, then one per wake with a change; wakes while it is busy count once", () => {
    const seen = run(
      Effect.gen(function* () {
        const wakers = new Wakers()
        const x = market()
        const { m } = x
        const seen: Array<string> = []
        // a slow reader: 10 ms per view
        const reader = yield* Effect.fork(
          readX(wakers, way, x, (v) =>
            Effect.zipRight(
              Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => seen.push(`v${v.version}@${t}`))),
              Effect.sleep("10 millis")
            )
          )
        )
        yield* Effect.sleep("20 millis")
        m.version = 1
        wakers.wake(["X"])
        yield* Effect.sleep("1 millis")
        // two changes while the reader is busy with v1: it pulls the newest once
        m.version = 2
        wakers.wake(["X"])
        m.version = 3
        wakers.wake(["X", "Y"])
        yield* Effect.sleep("30 millis")
        // a wake that changed nothing shown: no view is built nor delivered
        const built = m.built
        wakers.wake(["X"])
        yield* Effect.sleep("30 millis")
        seen.push(`built ${m.built - built}`)
        // an invalid book shows nothing; the next valid change is delivered
        m.valid = false
        m.version = 4
        wakers.wake(["X"])
        yield* Effect.sleep("30 millis")
        m.valid = true
        m.version = 5
        wakers.wake(["X"])
        yield* Effect.sleep("30 millis")
        yield* Fiber.interrupt(reader)
        return seen
      })
    )
    assert.deepStrictEqual(seen, ["v0@0", "v1@20", "v3@30", "built 0", "v5@111"])
  })

  it("an interrupted reader leaves its market: the others are still woken, a new reader starts afresh", () => {
    const seen = run(
      Effect.gen(function* () {
        const wakers = new Wakers()
        const x = market()
        const { m } = x
        const seen: Array<string> = []
        const follow = (name: string) =>
          Effect.fork(readX(wakers, way, x, (v) => Effect.sync(() => seen.push(`${name} v${v.version}`))))
        const a = yield* follow("a")
        const b = yield* follow("b")
        yield* Effect.sleep("1 millis")
        // a is interrupted while it waits for a wake
        yield* Fiber.interrupt(a)
        m.version = 1
        wakers.wake(["X"])
        yield* Effect.sleep("1 millis")
        const c = yield* follow("c")
        yield* Effect.sleep("1 millis")
        m.version = 2
        wakers.wake(["X"])
        yield* Effect.sleep("1 millis")
        yield* Fiber.interrupt(b)
        yield* Fiber.interrupt(c)
        // every reader has left: nothing is kept for the market
        seen.push(`readers ${wakers.readers("X")}`)
        return seen
      })
    )
    assert.deepStrictEqual(seen, ["a v0", "b v0", "b v1", "c v1", "b v2", "c v2", "readers 0"])
  })
})

describe("SimRuntime sleeps", () => {
  it("an interrupted sleep wakes nothing at its time; later sleepers wake at theirs, in order", () => {
    const r = SimRuntime.run(
      Effect.gen(function* () {
        const log: Array<string> = []
        const stamp = (what: string) =>
          Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => log.push(`${what}@${t}`)))
        const dead = yield* Effect.fork(Effect.zipRight(Effect.sleep("100 millis"), stamp("dead")))
        const live = yield* Effect.fork(Effect.zipRight(Effect.sleep("150 millis"), stamp("live")))
        yield* Effect.sleep("10 millis")
        yield* Fiber.interrupt(dead)
        yield* Effect.sleep("200 millis")
        yield* stamp("main")
        yield* Fiber.join(live)
        return log
      }),
      { startMs: 0, seed: 1 }
    )
    assert.isTrue(Exit.isSuccess(r.exit))
    assert.deepStrictEqual(Exit.isSuccess(r.exit) ? r.exit.value : [], ["live@150", "main@210"])
    assert.strictEqual(r.endMs, 210)
  })
})
