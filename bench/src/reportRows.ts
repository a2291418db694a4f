/** Rows of the in-process sections: feed, signing, limiter, batching, LIP quoting, tick-to-order. Pure. */
import { all, fmt, isNum, type Results, type Row, verdict } from "./reportTypes.js"

export const microRows = (r: Partial<Results>): Array<Row> => {
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
  return out
}
