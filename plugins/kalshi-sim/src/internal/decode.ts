/**
 * Request-body decoding that fails the way Kalshi's Go backend does: JSON syntax and type errors give the
 * flat `{"code":"bad_request","message":"bad request","details":"json: cannot unmarshal …"}` body.
 * Unknown fields are ignored (Go's encoding/json default).
 */

type GoType = "string" | "int64" | "int" | "bool"

export interface StructSchema {
  readonly name: string
  readonly fields: Readonly<Record<string, GoType | { readonly array: StructSchema }>>
}

export const CreateOrderV2Request: StructSchema = {
  name: "CreateOrderV2Request",
  fields: {
    ticker: "string",
    client_order_id: "string",
    side: "string",
    count: "string",
    price: "string",
    expiration_time: "int64",
    time_in_force: "string",
    post_only: "bool",
    self_trade_prevention_type: "string",
    cancel_order_on_pause: "bool",
    reduce_only: "bool",
    subaccount: "int",
    order_group_id: "string",
    exchange_index: "int"
  }
}

export const BatchCreateOrdersV2Request: StructSchema = {
  name: "BatchCreateOrdersV2Request",
  fields: { orders: { array: CreateOrderV2Request } }
}

const CancelItem: StructSchema = {
  name: "BatchCancelOrdersV2RequestOrder",
  fields: { order_id: "string", subaccount: "int", exchange_index: "int", market_ticker: "string" }
}

export const BatchCancelOrdersV2Request: StructSchema = {
  name: "BatchCancelOrdersV2Request",
  fields: { orders: { array: CancelItem } }
}

export const AmendOrderV2Request: StructSchema = {
  name: "AmendOrderV2Request",
  fields: {
    ticker: "string",
    side: "string",
    price: "string",
    count: "string",
    client_order_id: "string",
    updated_client_order_id: "string",
    exchange_index: "int",
    expiration_time: "int64"
  }
}

export const DecreaseOrderV2Request: StructSchema = {
  name: "DecreaseOrderV2Request",
  fields: { reduce_by: "string", reduce_to: "string", exchange_index: "int", market_ticker: "string" }
}

export const CreateOrderGroupRequest: StructSchema = {
  name: "CreateOrderGroupRequest",
  fields: { subaccount: "int", contracts_limit: "int64", contracts_limit_fp: "string", exchange_index: "int" }
}

export const UpdateOrderGroupLimitRequest: StructSchema = {
  name: "UpdateOrderGroupLimitRequest",
  fields: { contracts_limit: "int64", contracts_limit_fp: "string" }
}

const kind = (v: unknown): string => {
  if (Array.isArray(v)) return "array"
  if (typeof v === "number") return "number"
  if (typeof v === "string") return "string"
  if (typeof v === "boolean") return "bool"
  return "object"
}

const checkStruct = (schema: StructSchema, v: unknown, path: string): string | undefined => {
  if (v === null) return undefined
  if (typeof v !== "object" || Array.isArray(v)) {
    return path === ""
      ? `json: cannot unmarshal ${kind(v)} into Go value of type ${schema.name}`
      : `json: cannot unmarshal ${kind(v)} into Go struct field ${schema.name}.${path} of type ${schema.name}`
  }
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const t = schema.fields[k]
    if (t === undefined || val === null) continue
    const fieldPath = path === "" ? k : `${path}.${k}`
    if (typeof t === "object") {
      if (!Array.isArray(val)) {
        return `json: cannot unmarshal ${kind(val)} into Go struct field ${schema.name}.${fieldPath} of type []${t.array.name}`
      }
      for (const item of val) {
        const e = checkStruct(t.array, item, fieldPath)
        if (e !== undefined) return e
      }
      continue
    }
    const bad = (k2: string) =>
      `json: cannot unmarshal ${k2} into Go struct field ${schema.name}.${fieldPath} of type ${t}`
    switch (t) {
      case "string":
        if (typeof val !== "string") return bad(kind(val))
        break
      case "bool":
        if (typeof val !== "boolean") return bad(kind(val))
        break
      default:
        if (typeof val !== "number") return bad(kind(val))
        if (!Number.isInteger(val)) return bad(`number ${val}`)
    }
  }
  return undefined
}

export type Decoded =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly details: string }

/** Parse a raw body against a schema (Go-like error text on failure). Empty body → `EOF`. */
export const decodeBody = (schema: StructSchema, raw: string): Decoded => {
  if (raw.trim() === "") return { ok: false, details: "EOF" }
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch (e) {
    const msg = e instanceof Error ? e.message : ""
    if (/end of JSON/i.test(msg)) return { ok: false, details: "unexpected EOF" }
    const m = /position (\d+)/.exec(msg)
    const pos = m === null ? 0 : Number(m[1])
    const ch = raw.trim()[m === null ? 0 : pos] ?? raw.trim()[0] ?? " "
    return { ok: false, details: `invalid character '${ch}' looking for beginning of value` }
  }
  const err = checkStruct(schema, v, "")
  if (err !== undefined) return { ok: false, details: err }
  return { ok: true, value: (v ?? {}) as Record<string, unknown> }
}

export const str = (o: Record<string, unknown>, k: string): string | undefined => {
  const v = o[k]
  return typeof v === "string" ? v : undefined
}
export const num = (o: Record<string, unknown>, k: string): number | undefined => {
  const v = o[k]
  return typeof v === "number" ? v : undefined
}
export const bool = (o: Record<string, unknown>, k: string): boolean => o[k] === true
