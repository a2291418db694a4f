/**
 * The unknown-outcome tracker as pure transitions (held in a `Ref` by the venue port):
 * - `unresolved`: writes that may have executed, by key (`create:<client id>`, `cancel:<order id>`,
 *   `amend:<order id>`); each blocks writes to its market until a lookup settles it;
 * - `cids`: client order ids whose create was once unknown, remembered for `cidMemoryMs` (a venue's
 *   "duplicate client order id" on a retry of such a create means the earlier attempt landed).
 */
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"

export type Operation = "create" | "amend" | "cancel"

/** A write whose outcome is not yet proven; writes to its market are blocked until it resolves. */
export interface Unresolved {
  readonly key: string
  readonly operation: Operation
  readonly symbol: string
  readonly clientOrderId?: string
  readonly orderId?: string
  /** epoch ms */
  readonly since: number
}

export type NewUnresolved = Omit<Unresolved, "key" | "since">

export interface Unknowns {
  readonly unresolved: HashMap.HashMap<string, Unresolved>
  /** client order id → epoch ms it was marked unknown */
  readonly cids: HashMap.HashMap<string, number>
  readonly cidMemoryMs: number
}

export const empty = (cidMemoryMs = 10 * 60_000): Unknowns => ({
  unresolved: HashMap.empty(),
  cids: HashMap.empty(),
  cidMemoryMs
})

export const keyOf = (u: Pick<Unresolved, "operation" | "clientOrderId" | "orderId">): string =>
  u.operation === "create" ? `create:${u.clientOrderId}` : `${u.operation}:${u.orderId}`

/** Marks a write unknown (a second mark keeps the first time: the grace runs from the first doubt). */
export const mark = (s: Unknowns, u: NewUnresolved, now: number): Unknowns => {
  const key = keyOf(u)
  const since = Option.match(HashMap.get(s.unresolved, key), { onNone: () => now, onSome: (p) => p.since })
  return {
    ...s,
    unresolved: HashMap.set(s.unresolved, key, { ...u, key, since }),
    cids:
      u.clientOrderId === undefined || u.operation !== "create"
        ? s.cids
        : HashMap.set(
            HashMap.filter(s.cids, (at) => now - at < s.cidMemoryMs),
            u.clientOrderId,
            now
          )
  }
}

/** Settles an unresolved write; `true` when it was unresolved. */
export const settle = (s: Unknowns, key: string): readonly [boolean, Unknowns] =>
  HashMap.has(s.unresolved, key) ? [true, { ...s, unresolved: HashMap.remove(s.unresolved, key) }] : [false, s]

export const all = (s: Unknowns): ReadonlyArray<Unresolved> => [...HashMap.values(s.unresolved)]

export const size = (s: Unknowns): number => HashMap.size(s.unresolved)

/** The first unresolved write on a market, if any. */
export const blocking = (s: Unknowns, symbol: string): Unresolved | undefined => {
  for (const u of HashMap.values(s.unresolved)) if (u.symbol === symbol) return u
  return undefined
}

/** Whether a client order id was ever marked unknown (and not yet forgotten): `wasUnknown` needs the time. */
export const remembers = (s: Unknowns, cid: string): boolean => HashMap.has(s.cids, cid)

export const wasUnknown = (s: Unknowns, cid: string, now: number): boolean => {
  const at = Option.getOrUndefined(HashMap.get(s.cids, cid))
  return at !== undefined && now - at < s.cidMemoryMs
}
