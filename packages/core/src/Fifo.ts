/**
 * A persistent first-in-first-out queue: two immutable lists (oldest-first `front`, newest-first `back`), with
 * amortized O(1) push and shift (each element is reversed from `back` to `front` once). The amortized bound holds
 * when each version is used once, as a pure transition under `Ref.modify` does (Risk's rate windows, the venue
 * port's terminal orders).
 */

interface Cons<A> {
  readonly head: A
  readonly tail: List<A>
}
type List<A> = Cons<A> | undefined

export interface Fifo<A> {
  readonly front: List<A>
  readonly back: List<A>
  readonly size: number
}

export const empty = <A>(): Fifo<A> => ({ front: undefined, back: undefined, size: 0 })

export const push = <A>(q: Fifo<A>, a: A): Fifo<A> => ({
  front: q.front,
  back: { head: a, tail: q.back },
  size: q.size + 1
})

/**
 * The oldest element in O(1) when it is at hand: `undefined` when the queue is empty, and also when its elements
 * are all still in push order (none shifted since they were pushed). A caller deciding whether to shift can skip
 * `shiftWhile` (and what it allocates) when this is defined and not to be dropped.
 */
export const peekFront = <A>(q: Fifo<A>): A | undefined => q.front?.head

const reverse = <A>(xs: List<A>): List<A> => {
  let out: List<A>
  for (let c = xs; c !== undefined; c = c.tail) out = { head: c.head, tail: out }
  return out
}

/**
 * Removes elements from the oldest end while `drop(oldest, size)` holds (`size`: the queue's size before that
 * removal). Returns the queue left and the removed elements, oldest first.
 */
export const shiftWhile = <A>(
  q: Fifo<A>,
  drop: (oldest: A, size: number) => boolean
): readonly [Fifo<A>, ReadonlyArray<A>] => {
  let front = q.front
  let back = q.back
  let size = q.size
  const removed: Array<A> = []
  for (;;) {
    if (front === undefined) {
      front = reverse(back)
      back = undefined
    }
    if (front === undefined || !drop(front.head, size)) break
    removed.push(front.head)
    front = front.tail
    size--
  }
  return front === q.front && back === q.back ? [q, removed] : [{ front, back, size }, removed]
}
