/**
 * The results' shape and the row helpers the section row builders share (`reportRows.ts`,
 * `reportRunnerRows.ts`). Pure.
 */
/** A section is any JSON object; missing sections (skipped or failed) simply produce "n/a" rows. */
// biome-ignore lint/suspicious/noExplicitAny: results are plain JSON read back from disk
export type Section = Record<string, any>

export interface Results {
  readonly generated_at: string
  readonly machine: {
    readonly cpu_model: string
    readonly cores: number
    readonly node: string
    readonly platform: string
    readonly loadavg_at_start: ReadonlyArray<number>
  }
  readonly options: Section
  feed?: Section
  signing?: Section
  limiter?: Section
  batching?: Section
  lip_quoting?: Section
  tick_to_order?: Section
  scale?: Section
  dashboard?: Section
  record?: Section
  startup?: Section
  soak?: Section
  backtest?: Section
  /** the packages compiled before the runner sections */
  build?: Section
  readonly durations_s: Record<string, number>
  readonly errors: Record<string, string>
  readonly notes: Record<string, ReadonlyArray<string>>
}

export type Verdict = "met" | "MISSED" | "n/a" | "info"

export interface Row {
  readonly bench: string
  readonly metric: string
  readonly ours: string
  readonly peer: string
  readonly floor: string
  readonly target: string
  readonly verdict: Verdict
}

export const isNum = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x)

export const fmt = (x: unknown, unit = ""): string => {
  if (!isNum(x)) return "n/a"
  const a = Math.abs(x)
  let s: string
  if (unit === "ms" || unit === "MB")
    return `${a >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1)} ${unit}`
  if (a >= 1e9) s = `${(x / 1e9).toFixed(2)} G`
  else if (a >= 1e6) s = `${(x / 1e6).toFixed(2)} M`
  else if (a >= 1e4) s = `${(x / 1e3).toFixed(1)} k`
  else if (a >= 100) s = x.toFixed(0)
  else if (a >= 10) s = x.toFixed(1)
  else s = x.toFixed(2)
  return unit === "" ? s.trim() : `${s}${s.endsWith(" k") || s.endsWith(" M") || s.endsWith(" G") ? "" : " "}${unit}`
}

/** A count, as a whole number. */
export const count = (x: unknown): string => (isNum(x) ? Math.round(x).toLocaleString("en-US") : "n/a")

export const verdict = (ok: boolean | undefined): Verdict => (ok === undefined ? "n/a" : ok ? "met" : "MISSED")
export const all = (...xs: Array<unknown>): boolean => xs.every(isNum)
