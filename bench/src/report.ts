/**
 * Results: the JSON written to `bench/results/latest.json`, the console table, the README section
 * (`bench/results/README-section.md`) and the in-place README update between `<!-- bench:start -->` and
 * `<!-- bench:end -->`. Everything here is pure except `writeAll` / `updateReadme`.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

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

export const machine = (): Results["machine"] => ({
  cpu_model: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  node: process.version,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  loadavg_at_start: os.loadavg().map((x) => Math.round(x * 100) / 100)
})

// ---- rows ----------------------------------------------------------------------------------------

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

const isNum = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x)

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
const count = (x: unknown): string => (isNum(x) ? Math.round(x).toLocaleString("en-US") : "n/a")

const verdict = (ok: boolean | undefined): Verdict => (ok === undefined ? "n/a" : ok ? "met" : "MISSED")
const all = (...xs: Array<unknown>): boolean => xs.every(isNum)

export const rows = (r: Partial<Results>): Array<Row> => {
  const out: Array<Row> = []
  const f = r.feed
  if (f !== undefined) {
    const vsCcxt = all(f.ours_frames_per_s, f.ccxt_frames_per_s) ? f.ours_frames_per_s / f.ccxt_frames_per_s : undefined
    const vsFloor = all(f.ours_frames_per_s, f.floor_frames_per_s)
      ? f.ours_frames_per_s / f.floor_frames_per_s
      : undefined
    out.push({
      bench: "feed",
      metric: "frames/s, frame → strategy-visible book",
      ours: fmt(f.ours_frames_per_s, "/s"),
      peer: `ccxt ${fmt(f.ccxt_frames_per_s, "/s")}`,
      floor: fmt(f.floor_frames_per_s, "/s"),
      target: f.final_books_identical === false ? "same final books" : "(figures)",
      verdict: f.final_books_identical === false ? "MISSED" : "info"
    })
    out.push({
      bench: "feed",
      metric: "ours ÷ ccxt pro",
      ours: `${fmt(vsCcxt)}×`,
      peer: "",
      floor: "",
      target: "≥ 2 × ccxt",
      verdict: verdict(vsCcxt === undefined ? undefined : vsCcxt >= 2)
    })
    out.push({
      bench: "feed",
      metric: "ours ÷ floor",
      ours: `${fmt(vsFloor)}×`,
      peer: "",
      floor: "",
      target: "≥ 0.7 × floor",
      verdict: verdict(vsFloor === undefined ? undefined : vsFloor >= 0.7)
    })
  }
  const s = r.signing
  if (s !== undefined) {
    out.push({
      bench: "signing",
      metric: "RSA-PSS-2048 signs/s (p99 µs)",
      ours: `${fmt(s.rsa_per_s, "/s")} (${fmt(s.rsa_p99_us)} µs)`,
      peer: "",
      floor: "",
      target: "(info)",
      verdict: "info"
    })
    out.push({
      bench: "signing",
      metric: "Ed25519 signs/s (p99 µs)",
      ours: `${fmt(s.ed25519_per_s, "/s")} (${fmt(s.ed25519_p99_us)} µs)`,
      peer: "",
      floor: "",
      target: "(info)",
      verdict: "info"
    })
  }
  const l = r.limiter
  if (l !== undefined) {
    const o = l.ours ?? {}
    const c = l.ccxt ?? {}
    const sd = l.seed ?? {}
    out.push({
      bench: "limiter",
      metric: "budget used %",
      ours: fmt(o.budget_used_pct, "%"),
      peer: `ccxt ${fmt(c.budget_used_pct, "%")}`,
      floor: `seed ${fmt(sd.budget_used_pct, "%")}`,
      target: "≥ 98 %",
      verdict: verdict(isNum(o.budget_used_pct) ? o.budget_used_pct >= 98 : undefined)
    })
    out.push({
      bench: "limiter",
      metric: "1 s windows over budget",
      ours: fmt(o.windows_over_budget),
      peer: `ccxt ${fmt(c.windows_over_budget)}`,
      floor: `seed ${fmt(sd.windows_over_budget)}`,
      target: "0",
      verdict: verdict(isNum(o.windows_over_budget) ? o.windows_over_budget === 0 : undefined)
    })
    out.push({
      bench: "limiter",
      metric: "429s received",
      ours: fmt(o.r429),
      peer: `ccxt ${fmt(c.r429)}`,
      floor: `seed ${fmt(sd.r429)}`,
      target: "0",
      verdict: verdict(isNum(o.r429) ? o.r429 === 0 : undefined)
    })
    out.push({
      bench: "limiter",
      metric: "p99 lateness vs ideal schedule",
      ours: fmt(o.p99_lateness_ms, "ms"),
      peer: `ccxt ${fmt(c.p99_lateness_ms, "ms")}`,
      floor: `seed ${fmt(sd.p99_lateness_ms, "ms")}`,
      target: "(info)",
      verdict: "info"
    })
  }
  const bt = r.batching
  if (bt !== undefined) {
    const b1 = bt.batched ?? {}
    const s1 = bt.single ?? {}
    const fewer = all(b1.requests, s1.requests) ? s1.requests >= 5 * b1.requests : undefined
    const faster = all(b1.wall_ms, s1.wall_ms) ? b1.wall_ms < s1.wall_ms : undefined
    out.push({
      bench: "batching",
      metric: "requests sent",
      ours: `batched ${fmt(b1.requests)}`,
      peer: `one-by-one ${fmt(s1.requests)}`,
      floor: "",
      target: "≥ 5 × fewer",
      verdict: verdict(fewer)
    })
    out.push({
      bench: "batching",
      metric: "wall time",
      ours: `batched ${fmt(b1.wall_ms, "ms")}`,
      peer: `one-by-one ${fmt(s1.wall_ms, "ms")}`,
      floor: "",
      target: "lower",
      verdict: verdict(faster)
    })
    out.push({
      bench: "batching",
      metric: "tokens spent",
      ours: `batched ${fmt(b1.tokens)}`,
      peer: `one-by-one ${fmt(s1.tokens)}`,
      floor: "",
      target: "(info)",
      verdict: "info"
    })
  }
  const lq = r.lip_quoting
  if (lq !== undefined) {
    const a = lq.aware ?? {}
    const p = lq.plain ?? {}
    const usd = (x: unknown) => (typeof x === "number" ? `$${x.toFixed(2)}` : "n/a")
    out.push({
      bench: "lip quoting",
      metric: `projected LIP reward, ${lq.program_markets} program mkts, ${lq.seconds} s (sim scorer)`,
      ours: `program-aware ${usd(a.projected_reward_usd)}`,
      peer: `plain ${usd(p.projected_reward_usd)}`,
      floor: "",
      target: "≥ 3 × plain",
      verdict: verdict(
        all(a.projected_reward_usd, p.projected_reward_usd)
          ? a.projected_reward_usd >= 3 * p.projected_reward_usd
          : undefined
      )
    })
    out.push({
      bench: "lip quoting",
      metric: "reward per $ of avg collateral",
      ours: `program-aware ${fmt(a.reward_per_collateral_usd)} (on ${usd(a.avg_collateral_usd)})`,
      peer: `plain ${fmt(p.reward_per_collateral_usd)} (on ${usd(p.avg_collateral_usd)})`,
      floor: "",
      target: "higher",
      verdict: verdict(
        all(a.reward_per_collateral_usd, p.reward_per_collateral_usd)
          ? a.reward_per_collateral_usd > p.reward_per_collateral_usd
          : undefined
      )
    })
  }
  const t = r.tick_to_order
  if (t !== undefined) {
    out.push({
      bench: "tick-to-order",
      metric: "p50 / p99 µs (sim frame → requote at sim)",
      ours: `${fmt(t.ours_p50_us)} / ${fmt(t.ours_p99_us)}${all(t.ours_p99_us, t.floor_p99_us) ? ` (${fmt(t.ours_p99_us / t.floor_p99_us)}× floor)` : ""}`,
      peer: "",
      floor: `${fmt(t.floor_p50_us)} / ${fmt(t.floor_p99_us)}`,
      target: "p99 ≤ 1.5 × floor",
      verdict: verdict(all(t.ours_p99_us, t.floor_p99_us) ? t.ours_p99_us <= 1.5 * t.floor_p99_us : undefined)
    })
    out.push({
      bench: "tick-to-order",
      metric: "decision p99 µs (decoded → written)",
      ours: fmt(t.decision_p99_us),
      peer: "",
      floor: "",
      target: "≤ 50 µs",
      verdict: verdict(isNum(t.decision_p99_us) ? t.decision_p99_us <= 50 : undefined)
    })
  }
  const sc = r.scale
  if (sc !== undefined) {
    for (const key of ["m100", "m1000"] as const) {
      const m = sc[key]
      if (m === undefined) continue
      const strict = key === "m1000"
      const okAll = all(m.cpu_pct, m.rss_mb, m.loop_delay_p99_ms, m.stale_books)
        ? m.cpu_pct < 50 && m.rss_mb < 400 && m.loop_delay_p99_ms < 20 && m.stale_books === 0
        : undefined
      out.push({
        bench: `scale ${key.slice(1)} mkts`,
        metric: "CPU % of a core / peak RSS MB",
        ours: `${fmt(m.cpu_pct, "%")} / ${fmt(m.rss_mb, "MB")}`,
        peer: "",
        floor: "",
        target: strict ? "< 50 % / < 400 MB" : "(info)",
        verdict: strict ? verdict(okAll) : "info"
      })
      out.push({
        bench: `scale ${key.slice(1)} mkts`,
        metric: "loop delay p99 ms / stale books",
        ours: `${fmt(m.loop_delay_p99_ms, "ms")} / ${fmt(m.stale_books)}`,
        peer: "",
        floor: "",
        target: strict ? "< 20 ms / 0" : "(info)",
        verdict: strict ? verdict(okAll) : "info"
      })
    }
  }
  const db = r.dashboard
  if (db !== undefined) {
    out.push({
      bench: `dashboard ${count(db.markets)} mkts`,
      metric: "the dashboard's code while one page is open, % of a core (runner's CPU profile; GC not split)",
      ours: isNum(db.code_cpu_pct)
        ? `${fmt(db.code_cpu_pct, "%")} (${fmt(db.code_cpu_ms)} ms in ${fmt(db.connected_s)} s)`
        : "–",
      peer: "",
      floor: "",
      target: "< 5 %",
      verdict: verdict(isNum(db.code_cpu_pct) ? db.code_cpu_pct < 5 : undefined)
    })
    out.push({
      bench: `dashboard ${count(db.markets)} mkts`,
      metric: "runner CPU % of a core: no page → one page open (median difference, range)",
      ours: `${fmt(db.cpu_off_pct, "%")} → ${fmt(db.cpu_on_pct, "%")} (${isNum(db.cpu_delta_pct) && db.cpu_delta_pct >= 0 ? "+" : ""}${fmt(db.cpu_delta_pct)}${isNum(db.cpu_delta_min_pct) ? `, ${fmt(db.cpu_delta_min_pct)} … ${fmt(db.cpu_delta_max_pct)}` : ""})`,
      peer: "",
      floor: "",
      target: "(info: the bot's own load varies more)",
      verdict: "info"
    })
    out.push({
      bench: `dashboard ${count(db.markets)} mkts`,
      metric: "SSE bytes/s, payloads/s; first snapshot KB",
      ours: `${fmt(db.sse_bytes_per_s)}, ${fmt(db.sse_payloads_per_s)}; ${fmt(db.first_snapshot_kb)}`,
      peer: "",
      floor: "",
      target: "(info)",
      verdict: "info"
    })
  }
  const rec = r.record
  if (rec !== undefined) {
    out.push({
      bench: `record ${count(rec.markets)} mkts`,
      metric: "runner CPU % of a core: not recording → recording the tape (difference)",
      ours: `${fmt(rec.cpu_off_pct, "%")} → ${fmt(rec.cpu_on_pct, "%")} (${isNum(rec.cpu_delta_pct) && rec.cpu_delta_pct >= 0 ? "+" : ""}${fmt(rec.cpu_delta_pct)})`,
      peer: "",
      floor: "",
      target: "(info)",
      verdict: "info"
    })
    out.push({
      bench: `record ${count(rec.markets)} mkts`,
      metric: "tape on disk bytes/s, records/s; frames dropped",
      ours: `${fmt(rec.disk_bytes_per_s)}, ${fmt(rec.records_per_s)}; ${fmt(rec.frames_dropped)}`,
      peer: "",
      floor: "",
      target: "0 dropped",
      verdict: verdict(isNum(rec.frames_dropped) ? rec.frames_dropped === 0 : undefined)
    })
  }
  const st = r.startup
  if (st !== undefined) {
    const ok = (n: unknown, quoted: unknown): boolean | undefined =>
      quoted === false ? false : isNum(n) && isNum(st.expected_requests) ? n <= st.expected_requests : undefined
    out.push({
      bench: `startup ${count(st.markets)} mkts`,
      metric: `create requests until all quoted (max batch ${count(st.max_batch)})`,
      ours: `${count(st.create_requests)}${st.startup_detail?.all_quoted === false ? " (not all quoted)" : ""}`,
      peer: "",
      floor: `⌈2N/batch⌉ = ${count(st.expected_requests)}`,
      target: `≤ ${count(st.expected_requests)}`,
      verdict: verdict(ok(st.create_requests, st.startup_detail?.all_quoted))
    })
    out.push({
      bench: `resume ${count(st.markets)} mkts`,
      metric: "create requests after a restart until all quoted",
      ours: `${count(st.resume_create_requests)}${st.resume_detail?.all_quoted === false ? " (not all quoted)" : ""}`,
      peer: "",
      floor: `⌈2N/batch⌉ = ${count(st.expected_requests)}`,
      target: `≤ ${count(st.expected_requests)}`,
      verdict: verdict(ok(st.resume_create_requests, st.resume_detail?.all_quoted))
    })
  }
  const sk = r.soak
  if (sk !== undefined) {
    const label = `soak ${count(sk.markets)} mkts ${sk.minutes} min`
    out.push({
      bench: label,
      metric: "RSS after warm-up, start → end (growth)",
      ours: `${fmt(sk.rss_start_mb, "MB")} → ${fmt(sk.rss_end_mb, "MB")} (${fmt(sk.growth_pct, "%")})`,
      peer: "",
      floor: "",
      target: "growth < 5 %",
      verdict: verdict(isNum(sk.growth_pct) ? sk.growth_pct < 5 : undefined)
    })
    out.push({
      bench: label,
      metric: "peak RSS / CPU % / loop p99 / stale books",
      ours: `${fmt(sk.rss_peak_mb, "MB")} / ${fmt(sk.cpu_pct, "%")} / ${fmt(sk.loop_delay_p99_ms, "ms")} / ${count(sk.stale_books)}`,
      peer: "",
      floor: "",
      target: "< 400 MB / < 50 % / < 20 ms / 0",
      verdict: verdict(
        all(sk.rss_peak_mb, sk.cpu_pct, sk.loop_delay_p99_ms, sk.stale_books)
          ? sk.rss_peak_mb < 400 && sk.cpu_pct < 50 && sk.loop_delay_p99_ms < 20 && sk.stale_books === 0
          : undefined
      )
    })
  }
  const bk = r.backtest
  if (bk !== undefined) {
    out.push({
      bench: "backtest",
      metric: `${bk.minutes} min × ${bk.markets} markets (${bk.events_per_market_s}/s each), maker: wall (× real time)`,
      ours: `${fmt(bk.wall_s)} s (${fmt(bk.x_real_time)}×)`,
      peer: "",
      floor: "",
      target: "≥ 120× real time",
      verdict: verdict(isNum(bk.x_real_time) ? bk.x_real_time >= 120 : undefined)
    })
    out.push({
      bench: "backtest",
      metric: "heap by quarter of the tape (MB)",
      ours: Array.isArray(bk.heap_mb_quarters) ? bk.heap_mb_quarters.map((h: number) => fmt(h)).join(" → ") : "n/a",
      peer: "",
      floor: "",
      target: "flat",
      verdict: "info"
    })
  }
  return out
}

// ---- rendering -----------------------------------------------------------------------------------

const HEAD = ["benchmark", "metric", "ours", "peer", "floor", "target", "verdict"] as const
const cells = (x: Row): Array<string> => [x.bench, x.metric, x.ours, x.peer, x.floor, x.target, x.verdict]

export const table = (rs: ReadonlyArray<Row>): string => {
  const body = rs.map(cells)
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)))
  const line = (cs: ReadonlyArray<string>) => cs.map((c, i) => c.padEnd(widths[i]!)).join(" | ")
  return [line(HEAD), widths.map((w) => "-".repeat(w)).join("-+-"), ...body.map(line)].join("\n")
}

const mdEscape = (s: string) => s.replace(/\|/g, "\\|")

export const markdown = (r: Results): string => {
  const rs = rows(r)
  const m = r.machine
  const lines = [
    `Generated by \`pnpm bench\` on ${r.generated_at.slice(0, 10)} — ${m.cpu_model}, ${m.cores} cores, Node ${m.node}.`,
    "Every benchmark runs ours and the peer on the same input in the same run; the figures are medians over",
    "rounds on a shared machine, so compare the ratios rather than the absolute numbers. Full figures:",
    "`bench/results/latest.json`.",
    "",
    `| ${HEAD.join(" | ")} |`,
    `| ${HEAD.map(() => "---").join(" | ")} |`,
    ...rs.map((x) => `| ${cells(x).map(mdEscape).join(" | ")} |`)
  ]
  const errs = Object.entries(r.errors)
  if (errs.length > 0) {
    lines.push("", "Not measured in this run:", "")
    for (const [k, v] of errs) lines.push(`- ${k}: ${v.split("\n")[0]}`)
  }
  const notes = Object.entries(r.notes).filter(([, v]) => v.length > 0)
  if (notes.length > 0) {
    lines.push("", "Notes:", "")
    for (const [k, vs] of notes) for (const v of vs) lines.push(`- ${k}: ${v}`)
  }
  return `${lines.join("\n")}\n`
}

export const START = "<!-- bench:start -->"
export const END = "<!-- bench:end -->"

/** Replaces the block between the markers; returns undefined when the markers are absent or out of order. */
export const replaceBlock = (readme: string, section: string): string | undefined => {
  const a = readme.indexOf(START)
  const b = readme.indexOf(END)
  if (a < 0 || b < 0 || b < a) return undefined
  return `${readme.slice(0, a + START.length)}\n${section}${readme.slice(b)}`
}

export const benchDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..")
export const resultsDir = path.join(benchDir, "results")
export const repoReadme = path.resolve(benchDir, "..", "README.md")

/** Writes the section md file and, when the markers exist, the README block. Returns what it did. */
export const updateReadme = (r: Results): string => {
  const section = markdown(r)
  fs.mkdirSync(resultsDir, { recursive: true })
  const mdPath = path.join(resultsDir, "README-section.md")
  fs.writeFileSync(mdPath, section)
  if (!fs.existsSync(repoReadme)) return `wrote ${mdPath} (no README.md found)`
  const next = replaceBlock(fs.readFileSync(repoReadme, "utf8"), section)
  if (next === undefined) return `wrote ${mdPath} (README.md has no ${START} … ${END} markers; left unchanged)`
  fs.writeFileSync(repoReadme, next)
  return `wrote ${mdPath} and updated the block in README.md`
}

/** The last results, if any (a partial run merges into them). */
export const readJson = (): Results | undefined => {
  const p = path.join(resultsDir, "latest.json")
  return fs.existsSync(p) ? (JSON.parse(fs.readFileSync(p, "utf8")) as Results) : undefined
}

export const writeJson = (r: Results): string => {
  fs.mkdirSync(resultsDir, { recursive: true })
  const p = path.join(resultsDir, "latest.json")
  fs.writeFileSync(p, `${JSON.stringify(r, null, 2)}\n`)
  return p
}
