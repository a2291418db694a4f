import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fanout from "../src/Fanout.js"

describe("Fanout", () => {
  it.scoped("a subscriber gets what was published after it subscribed, in order, filtered before buffering", () =>
    Effect.gen(function* () {
      const f = yield* Fanout.make<number>()
      f.unsafePublish(0) // nobody subscribed: dropped
      const all = yield* f.subscribe()
      const even = yield* f.subscribe((n) => n % 2 === 0)
      for (let i = 1; i <= 5; i++) f.unsafePublish(i)
      // everything waiting comes in one take
      assert.deepStrictEqual(yield* all.take, [1, 2, 3, 4, 5])
      assert.deepStrictEqual(yield* even.take, [2, 4])
      f.unsafePublish(6)
      assert.deepStrictEqual(yield* all.take, [6])
      assert.deepStrictEqual(yield* even.take, [6])
    })
  )

  it.scoped("a subscriber whose filter throws is cut off alone: its reader dies, the others get every event", () =>
    Effect.gen(function* () {
      const f = yield* Fanout.make<number>()
      const all = yield* f.subscribe()
      const bad = yield* f.subscribe((n) => {
        if (n === 2) throw new Error("filter bug")
        return true
      })
      const waiting = yield* Effect.fork(bad.take)
      yield* Effect.yieldNow()
      f.unsafePublish(1)
      assert.deepStrictEqual(yield* Fiber.join(waiting), [1])
      f.unsafePublish(2)
      f.unsafePublish(3)
      assert.deepStrictEqual(yield* all.take, [1, 2, 3])
      const exit = yield* Effect.exit(bad.take)
      assert.isTrue(Exit.isFailure(exit) && Exit.isInterrupted(exit) === false)
      if (Exit.isFailure(exit)) assert.include(String(exit.cause), "filter bug")
    })
  )

  it.scoped("a waiting take is woken once and takes what was published until it ran", () =>
    Effect.gen(function* () {
      const f = yield* Fanout.make<string>()
      const sub = yield* f.subscribe()
      const taker = yield* Effect.fork(sub.take)
      yield* Effect.yieldNow()
      f.unsafePublish("a")
      f.unsafePublish("b")
      assert.deepStrictEqual(yield* Fiber.join(taker), ["a", "b"])
    })
  )

  it.scoped("interrupting a waiting take loses nothing; closing the scope unsubscribes", () =>
    Effect.gen(function* () {
      const f = yield* Fanout.make<number>()
      const scope = yield* Scope.make()
      const sub = yield* Scope.extend(f.subscribe(), scope)
      const taker = yield* Effect.fork(sub.take)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(taker)
      f.unsafePublish(1)
      assert.deepStrictEqual(yield* sub.take, [1])
      yield* Scope.close(scope, Exit.void)
      f.unsafePublish(2)
      const late = yield* Effect.fork(sub.take)
      yield* Effect.yieldNow()
      assert.isNull(late.unsafePoll()) // removed: nothing more is buffered for it
      yield* Fiber.interrupt(late)
    })
  )

  it.scoped("takes cut short again and again leave no waiting entries behind; two readers are both woken", () =>
    Effect.gen(function* () {
      const f = yield* Fanout.make<number>()
      const sub = yield* f.subscribe()
      const s = sub as unknown as { readonly waiters: number }
      // a fiber polling a quiet subscription (a take cut short each round, as by a timeout: the take runs in a
      // child fiber the race ends): the ended fibers' waits are dropped when the next one waits
      const poller = yield* Effect.fork(
        Effect.forever(
          Effect.raceFirst(Effect.asVoid(sub.take), Effect.yieldNow()).pipe(Effect.zipRight(Effect.yieldNow()))
        )
      )
      for (let i = 0; i < 200; i++) yield* Effect.yieldNow()
      assert.isAtMost(s.waiters, 1, "waits left by interrupted takes")
      yield* Fiber.interrupt(poller)
      // two fibers waiting at once: one event wakes both (the first to run takes it, the other waits again)
      const a = yield* Effect.fork(sub.take)
      const b = yield* Effect.fork(sub.take)
      yield* Effect.yieldNow()
      f.unsafePublish(7)
      yield* Effect.yieldNow()
      const done = [a.unsafePoll(), b.unsafePoll()].filter((x) => x !== null)
      assert.strictEqual(done.length, 1)
      assert.deepStrictEqual(done[0], Exit.succeed([7]))
      f.unsafePublish(8)
      const rest = yield* Fiber.join(a.unsafePoll() === null ? a : b)
      assert.deepStrictEqual(rest, [8])
    })
  )

  it.scoped("forEach runs in order, batch by batch, and ends with the handler's failure", () =>
    Effect.gen(function* () {
      const f = yield* Fanout.make<number>()
      const sub = yield* f.subscribe()
      const seen = yield* Queue.unbounded<number>()
      const fiber = yield* Effect.fork(
        Fanout.forEach(sub, (n) => (n < 0 ? Effect.fail(`bad ${n}`) : Queue.offer(seen, n)))
      )
      for (let i = 1; i <= 3; i++) f.unsafePublish(i)
      yield* Effect.yieldNow()
      f.unsafePublish(4)
      f.unsafePublish(-1)
      f.unsafePublish(5)
      const exit = yield* Fiber.await(fiber)
      assert.deepStrictEqual(exit, Exit.fail("bad -1"))
      assert.deepStrictEqual(yield* Queue.takeAll(seen).pipe(Effect.map((c) => [...c])), [1, 2, 3, 4])
    })
  )

  it.scoped(
    "forEachBatch hands over everything waiting at each take, in order, and ends with the handler's failure",
    () =>
      Effect.gen(function* () {
        const f = yield* Fanout.make<number>()
        const sub = yield* f.subscribe()
        const batches = yield* Queue.unbounded<ReadonlyArray<number>>()
        const fiber = yield* Effect.fork(
          Fanout.forEachBatch(sub, (batch) =>
            batch.includes(-1) ? Effect.fail("bad batch") : Queue.offer(batches, batch)
          )
        )
        for (let i = 1; i <= 3; i++) f.unsafePublish(i)
        yield* Effect.yieldNow()
        f.unsafePublish(4)
        yield* Effect.yieldNow()
        f.unsafePublish(5)
        f.unsafePublish(-1)
        const exit = yield* Fiber.await(fiber)
        assert.deepStrictEqual(exit, Exit.fail("bad batch"))
        assert.deepStrictEqual(yield* Queue.takeAll(batches).pipe(Effect.map((c) => [...c])), [[1, 2, 3], [4]])
      })
  )

  it.scoped("stream: subscribed when it runs, one chunk per take", () =>
    Effect.gen(function* () {
      const f = yield* Fanout.make<number>()
      const started = yield* Deferred.make<void>()
      const fiber = yield* Fanout.stream(f, (n) => n > 1).pipe(
        Stream.tap(() => Deferred.succeed(started, undefined)),
        Stream.take(3),
        Stream.runCollect,
        Effect.fork
      )
      // the subscription is made when the stream starts: publish until the first value is seen
      while (!(yield* Deferred.isDone(started))) {
        f.unsafePublish(2)
        yield* Effect.yieldNow()
      }
      f.unsafePublish(1)
      f.unsafePublish(3)
      f.unsafePublish(4)
      const got = [...(yield* Fiber.join(fiber))]
      assert.strictEqual(got[0], 2)
      assert.isFalse(got.includes(1))
      assert.strictEqual(got.length, 3)
    })
  )
})
