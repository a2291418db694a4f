/**
 * A backtest's run log, bounded whatever the tape's length: the first `keep` lines in order, and every line
 * counted by its kind (the line with its numbers as `#`: the same message about another market, price or count
 * is one kind). A strategy that warns on every decision writes thousands of lines an hour of tape; the report
 * shows the first ones and how often each kind came, and memory holds neither more lines nor more kinds.
 */

export interface RunLogKind {
  /** the first line of the kind */
  readonly example: string
  readonly count: number
}

export interface RunLogMore {
  /** lines past the ones kept */
  readonly lines: number
  /** the most frequent kinds over every line, most frequent first (ties: first seen first) */
  readonly kinds: ReadonlyArray<RunLogKind>
  /** lines of kinds past the ones counted one by one */
  readonly otherKinds: number
}

export interface RunLog {
  readonly add: (line: string) => void
  /** the lines kept, in order */
  readonly lines: () => ReadonlyArray<string>
  /** what was not kept (undefined when every line was) */
  readonly more: () => RunLogMore | undefined
}

const kindOf = (line: string) => line.replace(/\d+(?:\.\d+)?/g, "#")

export const make = (
  options: { readonly keep?: number; readonly kinds?: number; readonly top?: number } = {}
): RunLog => {
  const keep = options.keep ?? 200
  const maxKinds = options.kinds ?? 100
  const top = options.top ?? 10
  const kept: Array<string> = []
  const kinds = new Map<string, { example: string; count: number }>()
  let total = 0
  let otherKinds = 0
  return {
    add: (line) => {
      total++
      if (kept.length < keep) kept.push(line)
      const k = kindOf(line)
      const e = kinds.get(k)
      if (e !== undefined) e.count++
      else if (kinds.size < maxKinds) kinds.set(k, { example: line, count: 1 })
      else otherKinds++
    },
    lines: () => kept,
    more: () =>
      total === kept.length
        ? undefined
        : {
            lines: total - kept.length,
            // a stable sort: equal counts stay in first-seen order
            kinds: [...kinds.values()]
              .sort((a, b) => b.count - a.count)
              .slice(0, top)
              .map((e) => ({ example: e.example, count: e.count })),
            otherKinds
          }
  }
}
