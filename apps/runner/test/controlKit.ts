/** What the control API's tests share: a simulator and a bot config, and the journal's writes after a mark. */
import * as Effect from "effect/Effect"
import { readJournal, simBot } from "./helpers.js"

export const setup = (control = "") => simBot({ markets: 3, seed: 9, flowPerSec: 5, extra: control })

/** creates and amends journaled after `seq` (what the bot sent) */
export const writesAfter = (journal: string, seq: number) =>
  Effect.map(
    readJournal(journal),
    (es) => es.filter((e) => e.seq > seq && e.kind === "request" && e.data["op"] !== "cancel").length
  )

export const lastSeq = (journal: string) => Effect.map(readJournal(journal), (es) => es[es.length - 1]?.seq ?? 0)
