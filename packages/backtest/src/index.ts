export * as Analytics from "./Analytics.js"
export * as FillModel from "./FillModel.js"
export * as ReplayVenue from "./ReplayVenue.js"
export * as SimRuntime from "./SimRuntime.js"
