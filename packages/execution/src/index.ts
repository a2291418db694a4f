export * as ExecutionEngine from "./ExecutionEngine.js"
export * as ExecutionJournal from "./ExecutionJournal.js"
export * as OrderTracker from "./OrderTracker.js"
export * as QuotePlanner from "./QuotePlanner.js"
