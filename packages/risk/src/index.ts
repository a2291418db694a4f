export * as DailyCarry from "./DailyCarry.js"
export * as RiskConfig from "./RiskConfig.js"
export * as RiskEngine from "./RiskEngine.js"
export * as Tracking from "./Tracking.js"
