export * as Tape from "./Tape.js"
export * as TapeReader from "./TapeReader.js"
export * as TapeWriter from "./TapeWriter.js"
