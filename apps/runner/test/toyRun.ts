/** The toy venue (an in-process venue the runner has never seen) with the maker on it: one set-up for tests. */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as App from "../src/App.js"
import * as Journal from "../src/Journal.js"
import { registry } from "../src/Plugins.js"
import * as ToyVenue from "./ToyVenue.js"

/** The runner's registry with the toy venue added. */
export const withToy: App.Registry = { ...registry, venues: { ...registry.venues, toy: ToyVenue.plugin } }

/** The maker quoting TOY-1 (book 0.40 / 0.50) with 2 contracts a side; no sampler. */
export const toyConfig = {
  venues: { t: { type: "toy", symbol: "TOY-1", bid: "0.40", ask: "0.50" } },
  strategies: {
    mm: { plugin: "maker", venue: "t", markets: ["TOY-1"], mode: "liquidity", params: { orderSize: "2" } }
  },
  risk: {},
  run: { sampleIntervalMs: 0 }
}

/** Resolves `toyConfig` and starts the run in the current scope, its journal in `dir`. */
export const startToy = (dir: string, log: (line: string) => Effect.Effect<void> = () => Effect.void) =>
  Effect.gen(function* () {
    const resolved = Either.getOrThrow(App.resolve(`${dir}/toy.yaml`, toyConfig, withToy))
    const journal = yield* Layer.build(Journal.layer(`${dir}/j.sqlite`))
    const handle = yield* Effect.provide(App.start(resolved, { log }), journal)
    return { resolved, handle }
  })
