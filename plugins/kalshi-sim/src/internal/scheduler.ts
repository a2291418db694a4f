/** Timed jobs driven by the simulator clock (manual `advance`, Effect Clock or wall clock). */

export interface SimClock {
  readonly now: () => number
}

interface Job {
  readonly at: number
  readonly seq: number
  readonly run: (at: number) => void
}

export interface Scheduler {
  readonly at: (atMs: number, run: (at: number) => void) => void
  /** run every job due at or before `nowMs`, in time order (FIFO for equal times) */
  readonly runDue: (nowMs: number, onJob?: (at: number) => void) => void
  readonly nextDue: () => number | undefined
}

export const makeScheduler = (): Scheduler => {
  const heap: Array<Job> = []
  let seq = 0
  const less = (a: Job, b: Job) => a.at < b.at || (a.at === b.at && a.seq < b.seq)
  const push = (j: Job) => {
    heap.push(j)
    let i = heap.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(heap[i]!, heap[p]!)) break
      ;[heap[i], heap[p]] = [heap[p]!, heap[i]!]
      i = p
    }
  }
  const pop = (): Job | undefined => {
    const top = heap[0]
    const last = heap.pop()
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
        i = m
      }
    }
    return top
  }
  return {
    at: (atMs, run) => push({ at: atMs, seq: seq++, run }),
    runDue: (nowMs, onJob) => {
      while (heap.length > 0 && heap[0]!.at <= nowMs) {
        const j = pop()!
        onJob?.(j.at)
        j.run(j.at)
      }
    },
    nextDue: () => heap[0]?.at
  }
}
