import { SyntheticTape } from "@alpha-hunter/backtest"
import * as Effect from "effect/Effect"
const [dir, markets, minutes] = process.argv.slice(2)
const t0 = Date.now()
const n = Effect.runSync(SyntheticTape.write({ dir: dir!, markets: Number(markets), minutes: Number(minutes), settle: true }))
console.log(`${n} frames in ${Date.now() - t0} ms`)
