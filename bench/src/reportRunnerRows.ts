/** Rows of the sections that start the runner: scale, dashboard, record, startup, soak, and the backtest. Pure. */
import { all, count, fmt, isNum, type Results, type Row, verdict } from "./reportTypes.js"

export const runnerRows = (r: Partial<Results>): Array<Row> => {
  const out: Array<Row> = []
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
      metric: `${bk.minutes} min × ${bk.markets} markets (${bk.events_per_market_s}/s each), maker${
        isNum(bk.semi_space_mb) ? `, ${bk.semi_space_mb} MB semi-space` : ""
      }${isNum(bk.v8_pool_size) ? `, ${bk.v8_pool_size} V8 pool thread${bk.v8_pool_size === 1 ? "" : "s"}` : ""}: wall (× real time)`,
      ours: `${fmt(bk.wall_s)} s (${fmt(bk.x_real_time)}×)`,
      peer: "",
      floor: "",
      target: "≥ 120× real time",
      verdict: verdict(isNum(bk.x_real_time) ? bk.x_real_time >= 120 : undefined)
    })
    const wall = bk.wall_s_parts ?? bk.wall_s_quarters
    if (Array.isArray(wall) && wall.length > 0) {
      out.push({
        bench: "backtest",
        metric: "wall by quarter of the tape (s): the rate along the run",
        ours: wall.map((w: number) => fmt(w)).join(" / "),
        peer: "",
        floor: "",
        target: "",
        verdict: "info"
      })
    }
    const heap = bk.heap_mb_parts ?? bk.heap_mb_quarters
    out.push({
      bench: "backtest",
      metric: "live heap at the end of each quarter of the tape (MB): the windows an hour deep fill",
      ours: Array.isArray(heap) ? heap.map((h: number) => fmt(h)).join(" → ") : "n/a",
      peer: "",
      floor: "",
      target: "",
      verdict: "info"
    })
    const mem = bk.memory
    if (mem !== undefined) {
      out.push({
        bench: "backtest",
        metric: `${mem.minutes} min × ${bk.markets} markets: live heap at the end of each hour (MB), growth after the first`,
        ours: Array.isArray(mem.heap_mb_parts)
          ? `${mem.heap_mb_parts.map((h: number) => fmt(h)).join(" → ")} (${fmt(mem.heap_growth_pct)} %)`
          : "n/a",
        peer: "",
        floor: "",
        target: "flat: < 5 % after the first hour",
        verdict: verdict(isNum(mem.heap_growth_pct) ? mem.heap_growth_pct < 5 : undefined)
      })
    }
    if (typeof bk.report_hash === "string") {
      out.push({
        bench: "backtest",
        metric: "report (SHA-256 of report and summary, first 16 hex)",
        ours: bk.report_hash,
        peer: "",
        floor: "",
        target: "the same on every run of this code",
        verdict: "info"
      })
    }
  }
  return out
}
