import { Decimal as D } from "@alpha-hunter/core"
import * as HashMap from "effect/HashMap"
import { putOrder } from "../src/internal/aggregates.js"
import * as Engine from "../src/internal/engine.js"
import { tick } from "../src/internal/time.js"
import { binaryMarket, cfg } from "./helpers.js"

const config = cfg({ global: { maxOrderSize: "50", maxPosition: "100", orderRate: { max: 1000, windowMs: 1000 } } })
let s = Engine.empty(0, config)
s = Engine.registerMarkets(s, "paper-a", Array.from({ length: 50 }, (_, i) => binaryMarket(`M${i}`)))
const N = 200000
const time = (name: string, f: (i: number) => void) => {
  for (let r = 0; r < 2; r++) {
    const a = performance.now()
    for (let i = 0; i < N; i++) f(i)
    if (r === 1) console.log(name.padEnd(24), (((performance.now() - a) * 1000) / N).toFixed(2), "µs")
  }
}
const o = (i: number, rem: string) => ({ venue: "paper-a", strategy: "maker", symbol: `M${i % 50}`, side: "buy" as const, price: D.d("0.45"), remaining: D.d(rem), filled: D.ZERO, unresolved: false, expiresAt: undefined })
const keys = Array.from({ length: 1000 }, (_, i) => `paper-a\u0000id:o${i}`)
const os5 = Array.from({ length: 1000 }, (_, i) => o(i, "5"))
const os2 = Array.from({ length: 1000 }, (_, i) => o(i, "2"))
let st = s
time("tick", () => { st = tick(st, config, 1000, []) })
time("put new", (i) => { st = putOrder(st, keys[i % 1000]!, i % 2 ? os5[i % 1000] : os2[i % 1000]) })
time("put remove/add", (i) => { st = putOrder(st, keys[i % 1000]!, i % 3 === 0 ? undefined : os5[i % 1000]) })
let m = HashMap.empty<string, number>()
for (let i = 0; i < 1000; i++) m = HashMap.set(m, keys[i]!, i)
time("HashMap.get", (i) => { HashMap.get(m, keys[i % 1000]!) })
time("HashMap.set", (i) => { m = HashMap.set(m, keys[i % 1000]!, i) })
time("spread 13", () => { st = { ...st, dayStart: st.dayStart } })
import * as SortedMap from "effect/SortedMap"
import * as Order from "effect/Order"
import * as Option from "effect/Option"
let sm = SortedMap.empty<D.Decimal, number>(Order.bigint as any)
const prices = Array.from({ length: 10 }, (_, i) => D.d(`0.4${i}`))
for (const p of prices) sm = SortedMap.set(sm, p, 1)
time("SortedMap.get", (i) => { SortedMap.get(sm, prices[i % 10]!) })
time("SortedMap.set", (i) => { sm = SortedMap.set(sm, prices[i % 10]!, i) })
time("SortedMap.remove+set", (i) => { sm = SortedMap.set(SortedMap.remove(sm, prices[i % 10]!), prices[i % 10]!, 1) })
time("SortedMap.headOption", () => { SortedMap.headOption(sm) })
void Option
const base = { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10, k: 11, l: 12, m: 13 }
let x: typeof base = base
time("spread 13 plain", (i) => { x = { ...x, m: i } })
time("explicit 13", (i) => { x = { a: x.a, b: x.b, c: x.c, d: x.d, e: x.e, f: x.f, g: x.g, h: x.h, i: x.i, j: x.j, k: x.k, l: x.l, m: i } })
