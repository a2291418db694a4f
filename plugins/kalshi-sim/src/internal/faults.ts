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
  /** the next private messages on `channel` are dropped and their seq numbers skipped (a gap the client sees) */
  privateSeqGap: { count: number; channel: PrivateChannel }
}

export type PrivateChannel = "user_orders" | "fill" | "market_positions" | "order_group_updates"

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
  suppressUserOrders: 0,
  privateSeqGap: { count: 0, channel: "user_orders" }
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
  | { readonly kind: "private_seq_gap"; readonly count?: number; readonly channel?: PrivateChannel }
  /** REST order reads show each order as it was `ms` ago (0 = live again); new orders stay hidden that long */
  | { readonly kind: "rest_lag"; readonly ms: number }
  /** the venue cancels one resting order of `user_id` (by id, else the newest) without a user_order */
  | { readonly kind: "silent_cancel"; readonly user_id: string; readonly order_id?: string }
  /** the venue shrinks one resting order by `by` contracts (default 1) without a user_order */
  | { readonly kind: "size_mismatch"; readonly user_id: string; readonly order_id?: string; readonly by?: number }
  /** a user_order says a resting order was canceled while it still rests; `fill`: then one contract trades on it */
  | { readonly kind: "phantom_terminal"; readonly user_id: string; readonly order_id?: string; readonly fill?: boolean }
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
  "private_seq_gap",
  "rest_lag",
  "silent_cancel",
  "size_mismatch",
  "phantom_terminal",
  "freeze_order_reads",
  "unfreeze_order_reads",
  "clear"
]
