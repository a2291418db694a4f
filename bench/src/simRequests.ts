/**
 * Counts the HTTP requests kalshi-sim receives in this process, per API key and endpoint, without editing the
 * simulator: `http.Server#emit("request")` is wrapped in memory while the counter is installed (the same hook
 * `tickToOrder.ts` uses for its timings). Endpoints are classified from the method and path.
 */
import * as http from "node:http"

export type Kind = "create" | "batch_create" | "cancel" | "batch_cancel" | "amend" | "decrease" | "other_write" | "read"

/** The order-write endpoint a request hits (V2 `/portfolio/events/orders…` and the legacy `/portfolio/orders…`). */
export const classify = (method: string, url: string): Kind => {
  const p = (url.split("?")[0] ?? "").replace(/^\/trade-api\/v2/, "")
  const m = /^\/portfolio\/(?:events\/)?orders(\/batched|\/[^/]+(\/amend|\/decrease)?)?$/.exec(p)
  if (method === "GET" || method === "HEAD") return "read"
  if (m === null) return "other_write"
  if (m[1] === "/batched")
    return method === "POST" ? "batch_create" : method === "DELETE" ? "batch_cancel" : "other_write"
  if (m[2] === "/amend") return "amend"
  if (m[2] === "/decrease") return "decrease"
  if (m[1] === undefined) return method === "POST" ? "create" : method === "DELETE" ? "batch_cancel" : "other_write"
  return method === "DELETE" ? "cancel" : "other_write"
}

export interface Counter {
  /** requests by kind from one key since the last reset */
  readonly counts: (keyId: string) => Readonly<Record<Kind, number>>
  readonly reset: () => void
  readonly uninstall: () => void
}

const zero = (): Record<Kind, number> => ({
  create: 0,
  batch_create: 0,
  cancel: 0,
  batch_cancel: 0,
  amend: 0,
  decrease: 0,
  other_write: 0,
  read: 0
})

export const install = (): Counter => {
  const byKey = new Map<string, Record<Kind, number>>()
  const proto = http.Server.prototype as unknown as { emit: (ev: string, ...args: Array<unknown>) => boolean }
  const emit = proto.emit
  proto.emit = function (ev: string, ...args: Array<unknown>) {
    if (ev === "request") {
      const req = args[0] as http.IncomingMessage
      const key = req.headers["kalshi-access-key"]
      if (typeof key === "string") {
        const c = byKey.get(key) ?? zero()
        c[classify(req.method ?? "GET", req.url ?? "")]++
        byKey.set(key, c)
      }
    }
    return emit.call(this, ev, ...args)
  }
  return {
    counts: (keyId) => ({ ...(byKey.get(keyId) ?? zero()) }),
    reset: () => byKey.clear(),
    uninstall: () => {
      proto.emit = emit
    }
  }
}
