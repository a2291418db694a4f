export * as PaperConfig from "./PaperConfig.js"
export * as PaperPlugin from "./PaperPlugin.js"
export * as PaperVenue from "./PaperVenue.js"
