/**
 * Draws the HTML report's charts from the data inlined in the page, and shows every time in the reader's
 * zone (UTC on hover). Money values are exact strings in the data; `Number` makes chart coordinates only.
 */
;(() => {
  const { chart, localTime, el } = window.AH
  const data = JSON.parse(document.getElementById("report-data").textContent)
  const css = (n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim()
  const num = (s) => (s === null || s === undefined ? null : Number(s))
  const t = data.t.map((ms) => ms / 1000)
  const usd = (places) => (v) => `$${v.toFixed(places)}`
  const ct = (v) => `${v} ct`
  const bars = { paths: "bars" }

  for (const e of document.querySelectorAll("time[datetime]")) e.textContent = localTime(Date.parse(e.dateTime), true)

  const draw = (target, o) => chart(target, { ...o, withDate: true })

  // ---- per day ----
  if (data.t.length === 0) {
    document.body.dataset.charts = "0"
    return
  }
  const days = data.days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000)
  // a day's bar is centred on its UTC midnight: half a day of room either side
  const xRange = [days[0] - 43_200, days[days.length - 1] + 43_200]
  draw(document.getElementById("days-liquidity"), {
    t: days,
    xRange,
    series: [
      {
        label: "liquidity $·h",
        values: data.days.map((d) => num(d.dollarHours)),
        color: css("--accent"),
        fmt: (v) => `${v.toFixed(2)} $·h`,
        axis: (v) => `${v}`,
        ...bars
      },
      {
        label: "P&L $",
        values: data.days.map((d) => num(d.pnl)),
        color: css("--ours"),
        scale: "y2",
        fmt: usd(4),
        axis: (v) => `$${v}`
      },
      {
        label: "LIP projected $",
        values: data.days.map((d) => num(d.lipProjected)),
        color: css("--bid"),
        scale: "y2",
        fmt: usd(2)
      }
    ]
  })
  draw(document.getElementById("days-volume"), {
    t: days,
    xRange,
    series: [
      {
        label: "maker ct",
        values: data.days.map((d) => num(d.maker)),
        color: css("--bid"),
        fmt: ct,
        axis: (v) => `${v}`,
        ...bars
      },
      { label: "taker ct", values: data.days.map((d) => num(d.taker)), color: css("--ask"), fmt: ct, ...bars }
    ]
  })

  // ---- per market ----
  const host = document.getElementById("market-charts")
  for (const m of data.markets) {
    const a = el("div", { class: "chart" })
    const b = el("div", { class: "chart" })
    const c = el("div", { class: "chart" })
    host.append(
      el(
        "section",
        { class: "market", "data-market": `${m.venue}:${m.symbol}` },
        el("h3", { text: `${m.symbol} · ${m.venue}` }),
        el(
          "div",
          { class: "pair" },
          el(
            "figure",
            {},
            a,
            el("figcaption", {
              text: "Liquidity: our time-weighted resting notional per interval, dollars (left); LIP score: our share of everyone's scores under the market's own program in the interval's sampled minutes, 0..1 (right; dots: one per minute; none: no program)."
            })
          ),
          el(
            "figure",
            {},
            b,
            el("figcaption", {
              text: "Fills per interval: contracts filled as maker and as taker (bars, left); position at the interval's end, contracts (right)."
            })
          )
        ),
        el(
          "figure",
          {},
          c,
          el("figcaption", {
            text: "P&L of the market at each interval's end: fills' cash + position marked at the mid − fees, and the LIP reward projected so far in the window, dollars (left); the mid (or last fill price), cents (right)."
          })
        )
      )
    )
    draw(a, {
      t,
      series: [
        {
          label: "resting $",
          values: m.resting.map(num),
          color: css("--accent"),
          paths: "steps",
          fmt: usd(2),
          axis: (v) => `$${v}`
        },
        {
          label: "LIP score",
          values: m.lip.map(num),
          color: css("--ours"),
          scale: "y2",
          points: true,
          fmt: (v) => v.toFixed(4),
          axis: (v) => `${v}`
        }
      ]
    })
    draw(b, {
      t,
      series: [
        { label: "maker ct", values: m.maker.map(num), color: css("--bid"), fmt: ct, axis: (v) => `${v}`, ...bars },
        { label: "taker ct", values: m.taker.map(num), color: css("--ask"), fmt: ct, ...bars },
        {
          label: "position ct",
          values: m.position.map(num),
          color: css("--ours"),
          scale: "y2",
          paths: "steps",
          fmt: ct,
          axis: (v) => `${v}`
        }
      ]
    })
    draw(c, {
      t,
      series: [
        { label: "P&L $", values: m.pnl.map(num), color: css("--accent"), fmt: usd(4), axis: (v) => `$${v}` },
        { label: "LIP projected $", values: m.lipReward.map(num), color: css("--bid"), paths: "steps", fmt: usd(2) },
        {
          label: "mid ¢",
          values: m.mid.map((x) => (x === null ? null : Number(x) * 100)),
          color: css("--muted"),
          scale: "y2",
          fmt: (v) => `${v.toFixed(1)}¢`,
          axis: (v) => `${v}¢`
        }
      ]
    })
  }
  document.body.dataset.charts = String(document.querySelectorAll(".uplot").length)
})()
