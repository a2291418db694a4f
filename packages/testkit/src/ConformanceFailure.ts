/** The one error a conformance case fails with: which check, and every problem it found. */
import * as Data from "effect/Data"

export class ConformanceFailure extends Data.TaggedError("ConformanceFailure")<{
  readonly check: string
  readonly problems: ReadonlyArray<string>
  readonly message: string
}> {}

export const make = (check: string, problems: ReadonlyArray<string>): ConformanceFailure =>
  new ConformanceFailure({ check, problems, message: `${check}:\n  - ${problems.join("\n  - ")}` })
