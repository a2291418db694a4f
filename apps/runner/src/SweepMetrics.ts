/** The metrics a sweep can rank its runs by (apart from Sweep.ts so the CLI's options load without it). */
export const metrics = ["pnl", "spread", "inventory", "fees", "fills", "markout60", "orders", "liquidity"] as const
export type Metric = (typeof metrics)[number]
