/**
 * Shared by the live dashboard and the HTML report (inlined there): formatting and chart helpers.
 * Money arrives as exact decimal strings and is shown as it is (only re-grouped and padded, never computed);
 * numbers are used only as chart coordinates. Times show in the reader's zone, with UTC on hover.
 */
;(() => {
  /** "1234.5" → "$1,234.50" (places: pad to at least that many decimals; the string is never rounded here) */
  const money = (s, places = 2) => {
    if (s === undefined || s === null) return "—"
    const neg = s.startsWith("-")
    const [int, frac = ""] = (neg ? s.slice(1) : s).split(".")
    const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",")
    const f = frac.length >= places ? frac : frac + "0".repeat(places - frac.length)
    return `${neg ? "−" : ""}$${grouped}${f === "" ? "" : `.${f}`}`
  }
  /** a price in dollars shown in cents when it has at most 2 decimals of a cent ("0.5600" → "56¢", "0.055" → "5.5¢") */
  const price = (s) => {
    if (s === undefined || s === null) return "—"
    const [int, frac = ""] = s.split(".")
    const f = `${frac}0000`
    const cents = `${int === "0" ? "" : int}${f.slice(0, 2)}`.replace(/^0(?=\d)/, "")
    const rest = f.slice(2).replace(/0+$/, "")
    return `${cents}${rest === "" ? "" : `.${rest}`}¢`
  }
  const contracts = (s) => (s === undefined || s === null ? "—" : `${s} ct`)
  const fixed = (n, places = 2, unit = "") => (n === undefined || n === null ? "—" : `${n.toFixed(places)}${unit}`)
  const pad2 = (n) => String(n).padStart(2, "0")
  const localTime = (ms, withDate = false) => {
    const d = new Date(ms)
    const hms = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
    return withDate ? `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${hms}` : hms
  }
  /** a <time> in the reader's zone, UTC on hover */
  const time = (ms, withDate = false) => {
    const t = document.createElement("time")
    t.dateTime = new Date(ms).toISOString()
    t.title = `${new Date(ms)
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, " UTC")}`
    t.textContent = localTime(ms, withDate)
    return t
  }
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined) continue
      if (k === "class") e.className = v
      else if (k === "text") e.textContent = v
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v)
      else e.setAttribute(k, v)
    }
    for (const c of children) if (c !== undefined && c !== null) e.append(c)
    return e
  }
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()
  /** a uPlot chart: times in seconds, series [{label, values, color, scale?, fmt, paths?, points?}] */
  const chart = (target, o) => {
    const series = [
      { label: "time", value: (_u, v) => (v === null ? "—" : localTime(v * 1000, o.withDate === true)) },
      ...o.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 1.5,
        scale: s.scale ?? "y",
        points: { show: s.points === true, size: 4 },
        value: (_u, v) => (v === null || v === undefined ? "—" : s.fmt(v)),
        ...(s.paths === "steps" ? { paths: uPlot.paths.stepped({ align: 1 }) } : {}),
        ...(s.paths === "bars" ? { paths: uPlot.paths.bars({ size: [0.6, 40] }), fill: `${s.color}88` } : {})
      }))
    ]
    const axisColor = css("--muted")
    const grid = { stroke: css("--grid"), width: 1 }
    const axes = [
      { stroke: axisColor, grid, ticks: grid },
      { stroke: axisColor, grid, ticks: grid, scale: "y", size: 60, values: (_u, vs) => vs.map(o.series[0].axis) }
    ]
    const second = o.series.find((s) => s.scale === "y2")
    if (second !== undefined) {
      axes.push({
        stroke: axisColor,
        side: 1,
        grid: { show: false },
        scale: "y2",
        size: 60,
        values: (_u, vs) => vs.map(second.axis)
      })
    }
    const width = () => Math.max(280, target.clientWidth - 4)
    const u = new uPlot(
      {
        width: width(),
        height: o.height ?? 180,
        series,
        axes,
        scales: {
          x: { time: true, ...(o.xRange ? { range: () => o.xRange } : {}) },
          y: { auto: true },
          ...(second ? { y2: { auto: true } } : {})
        },
        legend: { live: true },
        cursor: { drag: { x: true, y: false } }
      },
      [o.t, ...o.series.map((s) => s.values)],
      target
    )
    new ResizeObserver(() => u.setSize({ width: width(), height: o.height ?? 180 })).observe(target)
    return u
  }
  window.AH = { money, price, contracts, fixed, time, localTime, el, chart }
})()
