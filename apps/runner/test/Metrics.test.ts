import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Metrics from "../src/Metrics.js"

describe("Metrics", () => {
  it.scopedLive("serves every metric in the Prometheus text format", () =>
    Effect.gen(function* () {
      yield* Metric.increment(Metric.tagged(Metric.tagged(Metrics.ordersSent, "venue", "sim"), "kind", "create"))
      yield* Metric.set(Metric.tagged(Metrics.tokenHeadroom, "bucket", "write"), 80)
      yield* Metric.update(Metrics.tickToOrder, 0.0003)
      const port = yield* Metrics.serve(0)
      const body = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()))
      assert.include(body, "# TYPE orders_sent_total counter")
      assert.match(body, /orders_sent_total\{(venue="sim",kind="create"|kind="create",venue="sim")\} 1/)
      assert.include(body, 'token_headroom{bucket="write"} 80')
      assert.include(body, "# TYPE tick_to_order_seconds histogram")
      assert.include(body, 'tick_to_order_seconds_bucket{le="+Inf"} 1')
      assert.include(body, "tick_to_order_seconds_count 1")
      const missing = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/nope`).then((r) => r.status))
      assert.strictEqual(missing, 404)
    })
  )
})
