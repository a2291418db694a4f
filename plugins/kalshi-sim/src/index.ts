export * as FixedPoint from "./FixedPoint.js"
export * as KalshiSigning from "./KalshiSigning.js"
export * as KalshiSim from "./KalshiSim.js"
