import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as ChangeSignal from "../src/ChangeSignal.js"

describe("ChangeSignal", () => {
  it.effect("views: the first at once, then the newest state per pull, each version once (latest wins)", () =>
    Effect.gen(function* () {
      const signal = yield* ChangeSignal.make
      const state = yield* Ref.make({ version: 0 })
      const seen: Array<number> = []
      const gate = yield* Queue.unbounded<void>()
      const sub = yield* Queue.unbounded<void>()
      const fiber = yield* ChangeSignal.views(signal, Ref.get(state)).pipe(
        Stream.tap((v) => Effect.sync(() => seen.push(v.version))),
        Stream.tap(() => Queue.offer(sub, undefined)),
        Stream.mapEffect(() => Queue.take(gate)), // a slow reader
        Stream.take(3),
        Stream.runDrain,
        Effect.fork
      )
      yield* Queue.take(sub)
      assert.deepStrictEqual(seen, [0])
      // a burst while the reader is busy: it gets the end state only
      for (let i = 1; i <= 50; i++) {
        yield* Ref.set(state, { version: i })
        yield* ChangeSignal.notify(signal)
      }
      yield* Queue.offer(gate, undefined)
      yield* Queue.take(sub)
      assert.deepStrictEqual(seen, [0, 50])
      // a signal without a new version is skipped; the next change is delivered
      yield* ChangeSignal.notify(signal)
      yield* Queue.offer(gate, undefined)
      yield* Ref.set(state, { version: 51 })
      yield* ChangeSignal.notify(signal)
      yield* Queue.take(sub)
      yield* Queue.offer(gate, undefined)
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(seen, [0, 50, 51])
    })
  )

  it.effect("views: nothing while the state reads undefined, then the state once it shows", () =>
    Effect.gen(function* () {
      const signal = yield* ChangeSignal.make
      const state = yield* Ref.make<{ version: number } | undefined>(undefined)
      const fiber = yield* ChangeSignal.views(signal, Ref.get(state)).pipe(Stream.runHead, Effect.fork)
      yield* ChangeSignal.notify(signal)
      yield* Ref.set(state, { version: 7 })
      yield* ChangeSignal.notify(signal)
      const v = yield* Fiber.join(fiber)
      assert.strictEqual(v._tag === "Some" ? v.value.version : -1, 7)
    })
  )
})
