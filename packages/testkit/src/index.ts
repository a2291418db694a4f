export * as ConformanceFailure from "./ConformanceFailure.js"
export * as ExchangeConformance from "./ExchangeConformance.js"
export * as Invariants from "./Invariants.js"
export * as VenueFaults from "./VenueFaults.js"
