/** Run-time fault switches consulted by the REST and WebSocket layers. */

/** The write endpoints a `malformed_responses` fault can hit. */
export type WriteOp = "create" | "batch_create" | "cancel" | "batch_cancel" | "amend"
export const writeOps: ReadonlyArray<WriteOp> = ["create", "batch_create", "cancel", "batch_cancel", "amend"]

export interface Faults {
  rateLimitStorm: { count: number; untilMs: number }
  serverErrors: { count: number; status: number }
  latency: { ms: number; count: number }
  loseResponse: { count: number; mode: "destroy" | "504" }
  partialBatch: { count: number; indices: ReadonlyArray<number> | undefined }
  /** applied writes answered 2xx with a body that fails decoding (`order_id` a number); `undefined` = every write op */
  malformedResponses: { count: number; operations: ReadonlyArray<WriteOp> | undefined }
  skipSeq: number
  duplicateFrames: number
  reorderFrames: number
  /** frames preceded by a non-JSON frame and a malformed `orderbook_delta` */
  malformedFrames: number
  suppressUserOrders: number
}

export const makeFaults = (): Faults => ({
  rateLimitStorm: { count: 0, untilMs: 0 },
  serverErrors: { count: 0, status: 500 },
  latency: { ms: 0, count: 0 },
  loseResponse: { count: 0, mode: "destroy" },
  partialBatch: { count: 0, indices: undefined },
  malformedResponses: { count: 0, operations: undefined },
  skipSeq: 0,
  duplicateFrames: 0,
  reorderFrames: 0,
  malformedFrames: 0,
  suppressUserOrders: 0
})

export const clearFaults = (f: Faults): void => {
  Object.assign(f, makeFaults())
}

/** Consume one unit of a counted fault; returns whether it fired. */
export const take = (holder: { count: number }): boolean => {
  if (holder.count <= 0) return false
  holder.count -= 1
  return true
}

/** Kinds accepted by `POST /_sim/faults` and `SimHandle.faults.inject`. */
export type FaultSpec =
  | { readonly kind: "drop_sockets" }
  | { readonly kind: "skip_seq"; readonly count?: number }
  | { readonly kind: "duplicate_frames"; readonly count?: number }
  | { readonly kind: "reorder_frames"; readonly count?: number }
  | { readonly kind: "malformed_frames"; readonly count?: number }
  | { readonly kind: "suppress_user_orders"; readonly count?: number }
  | { readonly kind: "rate_limit_storm"; readonly count?: number; readonly duration_ms?: number }
  | { readonly kind: "server_errors"; readonly count?: number; readonly status?: number }
  | { readonly kind: "latency"; readonly ms: number; readonly count?: number }
  | { readonly kind: "lose_response"; readonly count?: number; readonly mode?: "destroy" | "504" }
  | { readonly kind: "partial_batch_failure"; readonly count?: number; readonly indices?: ReadonlyArray<number> }
  | { readonly kind: "malformed_responses"; readonly count?: number; readonly operations?: ReadonlyArray<WriteOp> }
  | { readonly kind: "freeze_order_reads" }
  | { readonly kind: "unfreeze_order_reads" }
  | { readonly kind: "clear" }

export const faultKinds: ReadonlyArray<FaultSpec["kind"]> = [
  "drop_sockets",
  "skip_seq",
  "duplicate_frames",
  "reorder_frames",
  "malformed_frames",
  "suppress_user_orders",
  "rate_limit_storm",
  "server_errors",
  "latency",
  "lose_response",
  "partial_batch_failure",
  "malformed_responses",
  "freeze_order_reads",
  "unfreeze_order_reads",
  "clear"
]
