/**
 * The live dashboard: reads `/events` (Server-Sent Events over fetch, so the control token can go in a header),
 * keeps the latest row of every market, and redraws only what a payload changed. The bot sends the book's levels
 * only for the market selected here (`POST /events/focus`). Charts hold the points seen since the page opened
 * (one per second, the last hour).
 */
;(() => {
  const { money, price, contracts, time, el, chart } = window.AH
  const KEEP = 3600
  const tokenKey = "alpha-hunter-control-token"
  const $ = (id) => document.getElementById(id)
  const markets = new Map() // key → latest row
  const rows = new Map() // key → <tr>
  const history = new Map() // key → { resting, position, bid, ask, ourBid, ourAsk }
  const times = []
  const portfolioSeries = { resting: [], pnl: [] }
  let selected
  let detail // the selected market's book, as the bot last sent it
  let pageId // this page's id on the bot, for POST /events/focus
  let portfolioChart
  let detailCharts
  let ticks = 0

  const authHeaders = () => {
    const t = sessionStorage.getItem(tokenKey)
    return t ? { authorization: `Bearer ${t}` } : {}
  }
  const say = (text) => {
    $("message").hidden = text === ""
    $("message").textContent = text
  }

  // ---- control buttons: the control API, with the token when the bot has one ---------------------------
  const control = async (action, body = {}) => {
    try {
      const r = await fetch(`/${action}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...authHeaders() },
        body: JSON.stringify({ ...body, reason: body.reason ?? "dashboard" })
      })
      const json = await r.json()
      const what = body.market ? ` (${body.venue}:${body.market})` : body.venue ? ` (${body.venue})` : ""
      say(r.ok ? `${action}: done${what}` : `${action}: ${json.error}`)
    } catch (e) {
      say(`${action}: ${e.message}`)
    }
  }
  $("pause").addEventListener("click", () => control("pause"))
  $("resume").addEventListener("click", () => control("resume"))
  $("halt").addEventListener("click", () => {
    if (confirm("Halt all trading? Orders already resting stay until cancelled.")) control("halt")
  })
  $("token").addEventListener("submit", (e) => {
    e.preventDefault()
    sessionStorage.setItem(tokenKey, $("token-input").value)
    $("token").hidden = true
    connect()
  })

  // ---- portfolio ---------------------------------------------------------------------------------------
  const renderPortfolio = (p) => {
    $("state").textContent = p.state
    $("state").className = `badge ${p.state}`
    $("reasons").textContent = p.reasons.join(" · ")
    const card = (label, value, field) =>
      el(
        "div",
        { class: "card" },
        el("div", { class: "label", text: label }),
        el("div", { class: "value", "data-field": field, text: value })
      )
    const started = el(
      "div",
      { class: "card" },
      el("div", { class: "label", text: "Running since" }),
      el("div", { class: "value" }, time(p.startedAt, true))
    )
    $("portfolio").replaceChildren(
      card("Markets", String(p.markets), "markets"),
      card("Open orders", String(p.orders), "orders"),
      card("Resting", money(p.resting, 2), "resting"),
      card("Gross position", contracts(p.position), "position"),
      card("Fills (this run)", String(p.fills), "fills"),
      card("P&L", money(p.pnl, 4), "pnl"),
      card("Exposure", money(p.exposure, 2), "exposure"),
      started
    )
  }

  // ---- venues ------------------------------------------------------------------------------------------
  const renderVenues = (vs) => {
    $("venues").tBodies[0].replaceChildren(
      ...vs.map((v) =>
        el(
          "tr",
          { "data-venue": v.venue },
          el("td", { text: v.venue }),
          el("td", { class: v.state, text: v.state }),
          el("td", { class: v.stream, text: v.stream }),
          ...[v.desyncs, v.halts, v.resumes, v.reconnects, v.rateLimited, v.bookResyncs].map((n) =>
            el("td", { class: "num", text: String(n) })
          ),
          el("td", { class: "num", text: `${v.messageAgeMs} ms` }),
          el("td", { text: v.budgets.map((b) => `${b.name} ${b.available}/${b.capacity}`).join(", ") || "—" }),
          el("td", { class: "muted", text: v.last ?? "" }),
          el(
            "td",
            {},
            el("button", {
              class: "small",
              type: "button",
              text: "Pause",
              onclick: () => control("pause", { venue: v.venue })
            }),
            " ",
            el("button", {
              class: "small",
              type: "button",
              text: "Resume",
              onclick: () => control("resume", { venue: v.venue })
            })
          )
        )
      )
    )
  }

  // ---- markets -----------------------------------------------------------------------------------------
  const signed = (s) => (s.startsWith("-") ? "neg" : s === "0" || /^0(\.0+)?$/.test(s) ? "" : "pos")
  const stateText = (m) => `${m.paused ? "PAUSED" : m.state}${m.open ? "" : " (closed)"}`
  const stateTitle = (m) =>
    m.state === "ACTIVE"
      ? "trading"
      : m.own
        ? `this market is ${m.paused ? "paused (Resume lifts it)" : m.state}`
        : `${m.state}: set on its venue, strategy or everything (see the reasons above)`
  const marketButton = (m, action) =>
    el("button", {
      class: "small",
      type: "button",
      "data-action": action,
      "aria-label": `${action === "pause" ? "Pause" : "Resume"} ${m.symbol}`,
      title: `POST /${action} {venue, market}: this market only`,
      text: action === "pause" ? "Pause" : "Resume",
      onclick: (e) => {
        e.stopPropagation() // not a click on the row
        control(action, { venue: m.venue, market: m.symbol })
      },
      onkeydown: (e) => e.stopPropagation()
    })
  const cells = (m) => [
    el("td", { title: `${m.venue} · ${m.strategy}`, text: m.symbol }),
    el("td", { class: m.state, "data-field": "state", title: stateTitle(m), text: stateText(m) }),
    el("td", { class: "num", text: price(m.bid) }),
    el("td", { class: "num", text: price(m.ask) }),
    el("td", { class: "num", text: price(m.ourBid) }),
    el("td", { class: "num", text: price(m.ourAsk) }),
    el("td", { class: "num", text: m.spread === undefined ? "—" : `${price(m.spread)} (${m.spreadTicks})` }),
    el("td", {
      class: "num",
      text: m.improvementTicks === undefined ? "—" : `${m.improvementTicks} tick${m.improvementTicks === 1 ? "" : "s"}`
    }),
    el("td", { class: "num", text: String(m.orders) }),
    el("td", { class: "num", "data-field": "resting", text: money(m.resting, 2) }),
    el("td", { class: "num", text: contracts(m.position) }),
    el("td", { class: "num", text: String(m.fills) }),
    el("td", { class: `num ${signed(m.pnl)}`, text: money(m.pnl, 4) }),
    m.lipTarget === undefined
      ? el("td", { class: "num muted", "data-field": "lip-now", text: "no program" })
      : el("td", {
          class: "num",
          "data-field": "lip-now",
          title: `the program's Target Size: ${m.lipTarget} ct per side`,
          text: m.lipScore ?? "—"
        }),
    el("td", { class: "num", "data-field": "lip-today", text: m.lipToday ?? "—" }),
    el("td", {
      class: "num",
      "data-field": "lip-projected",
      text: m.lipProjected === undefined ? "—" : money(m.lipProjected, 2)
    }),
    // the market's own pause or halt: Resume lifts it; else Pause sets one
    el("td", { class: "actions" }, marketButton(m, m.own ? "resume" : "pause"))
  ]
  const renderMarket = (m) => {
    let tr = rows.get(m.key)
    if (tr === undefined) {
      tr = el("tr", {
        "data-key": m.key,
        tabindex: "0",
        onclick: () => select(m.key),
        onkeydown: (e) => e.key === "Enter" && select(m.key)
      })
      rows.set(m.key, tr)
      $("markets").tBodies[0].append(tr)
    }
    tr.replaceChildren(...cells(m))
  }

  const push = (arr, v) => {
    arr.push(v)
    if (arr.length > KEEP) arr.shift()
  }
  const num = (s) => (s === undefined ? null : Number(s)) // chart coordinate only
  const cents = (s) => (s === undefined ? null : Number(s) * 100) // chart coordinate only
  const record = (t) => {
    push(times, t / 1000)
    for (const [key, m] of markets) {
      let h = history.get(key)
      if (h === undefined) {
        h = { resting: [], position: [], bid: [], ask: [], ourBid: [], ourAsk: [] }
        // a market first seen now: no points before
        for (const arr of Object.values(h)) for (let i = 0; i < times.length - 1; i++) arr.push(null)
        history.set(key, h)
      }
      push(h.resting, num(m.resting))
      push(h.position, num(m.position))
      push(h.bid, cents(m.bid))
      push(h.ask, cents(m.ask))
      push(h.ourBid, cents(m.ourBid))
      push(h.ourAsk, cents(m.ourAsk))
    }
  }

  // ---- the selected market -----------------------------------------------------------------------------
  const renderBook = (d) => {
    $("detail-facts").textContent =
      d === undefined
        ? "the book's levels: waiting for the bot…"
        : `Spread without us: ${d.spreadWithoutUs === undefined ? "—" : price(d.spreadWithoutUs)} · this run's fills: maker ${contracts(d.makerContracts)}, taker ${contracts(d.takerContracts)}`
    if (d === undefined) {
      $("book").tBodies[0].replaceChildren()
      return
    }
    const book = d
    const row = (side) => (l) =>
      el(
        "tr",
        { class: l[2] !== "0" ? "ours" : "" },
        el("td", { class: "num", text: contracts(l[1]) }),
        el("td", { class: "num", text: l[2] !== "0" ? `◆ ${l[2]}` : "" }),
        el("td", { class: `num ${side}`, text: price(l[0]) })
      )
    const asks = [...book.asks].reverse().map(row("ask"))
    if (asks.length > 0) asks[asks.length - 1].classList.add("gap")
    $("book").tBodies[0].replaceChildren(...asks, ...book.bids.map(row("bid")))
  }
  const detailData = (key) => {
    const h = history.get(key)
    return {
      resting: [times, h.resting, h.position],
      quotes: [times, h.bid, h.ask, h.ourBid, h.ourAsk]
    }
  }
  /** tells the bot which market's book this page shows */
  const focus = async () => {
    if (pageId === undefined) return
    try {
      await fetch("/events/focus", {
        method: "POST",
        headers: { "content-type": "application/json", ...authHeaders() },
        body: JSON.stringify({ page: pageId, market: selected ?? null })
      })
    } catch {
      // the stream reconnects and focuses again
    }
  }
  const select = (key) => {
    const changed = selected !== key
    selected = key
    if (changed) {
      detail = undefined
      focus()
    }
    for (const [k, tr] of rows) tr.classList.toggle("selected", k === key)
    const m = markets.get(key)
    $("detail").hidden = false
    $("detail-h").textContent = `${m.symbol} · ${m.venue}`
    renderBook(detail)
    const d = detailData(key)
    const css = (n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim()
    if (detailCharts === undefined) {
      detailCharts = {
        resting: chart($("detail-resting"), {
          t: d.resting[0],
          series: [
            {
              label: "resting $",
              values: d.resting[1],
              color: css("--accent"),
              paths: "steps",
              fmt: (v) => `$${v.toFixed(2)}`,
              axis: (v) => `$${v}`
            },
            {
              label: "position ct",
              values: d.resting[2],
              color: css("--ours"),
              scale: "y2",
              paths: "steps",
              fmt: (v) => `${v} ct`,
              axis: (v) => `${v}`
            }
          ]
        }),
        quotes: chart($("detail-quotes"), {
          t: d.quotes[0],
          series: [
            {
              label: "best bid ¢",
              values: d.quotes[1],
              color: css("--bid"),
              paths: "steps",
              fmt: (v) => `${v.toFixed(1)}¢`,
              axis: (v) => `${v}¢`
            },
            {
              label: "best ask ¢",
              values: d.quotes[2],
              color: css("--ask"),
              paths: "steps",
              fmt: (v) => `${v.toFixed(1)}¢`
            },
            {
              label: "our bid ¢",
              values: d.quotes[3],
              color: css("--ours"),
              paths: "steps",
              fmt: (v) => `${v.toFixed(1)}¢`
            },
            {
              label: "our ask ¢",
              values: d.quotes[4],
              color: css("--accent"),
              paths: "steps",
              fmt: (v) => `${v.toFixed(1)}¢`
            }
          ]
        })
      }
    } else {
      detailCharts.resting.setData(d.resting)
      detailCharts.quotes.setData(d.quotes)
    }
  }

  // ---- payloads ----------------------------------------------------------------------------------------
  const apply = (kind, body) => {
    if (kind === "hello") {
      pageId = body.page
      focus()
      return
    }
    if (kind === "detail") {
      if (body.key === selected) {
        detail = body
        renderBook(detail)
      } else focus() // two selections crossed on the way: say again which one
      return
    }
    ticks++
    document.body.dataset.ticks = String(ticks)
    if (kind === "snapshot") {
      markets.clear()
      rows.clear()
      $("markets").tBodies[0].replaceChildren()
    }
    if (body.portfolio) renderPortfolio(body.portfolio)
    if (body.venues) renderVenues(body.venues)
    for (const m of body.markets) {
      markets.set(m.key, m)
      renderMarket(m)
    }
    $("market-count").textContent = `(${markets.size})`
    $("updated").replaceChildren("updated ", time(body.t))
    if (body.portfolio) portfolioSeries.last = body.portfolio
    record(body.t)
    const p = portfolioSeries.last
    push(portfolioSeries.resting, p ? num(p.resting) : null)
    push(portfolioSeries.pnl, p ? num(p.pnl) : null)
    if (portfolioChart === undefined && typeof uPlot !== "undefined") {
      const css = (n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim()
      portfolioChart = chart($("portfolio-chart"), {
        t: times,
        series: [
          {
            label: "resting $",
            values: portfolioSeries.resting,
            color: css("--accent"),
            fmt: (v) => `$${v.toFixed(2)}`,
            axis: (v) => `$${v}`
          },
          {
            label: "P&L $",
            values: portfolioSeries.pnl,
            color: css("--ours"),
            scale: "y2",
            fmt: (v) => `$${v.toFixed(4)}`,
            axis: (v) => `$${v}`
          }
        ]
      })
    } else portfolioChart?.setData([times, portfolioSeries.resting, portfolioSeries.pnl])
    if (selected === undefined && markets.size > 0) select(markets.keys().next().value)
    else if (selected !== undefined && markets.has(selected)) {
      rows.get(selected)?.classList.add("selected")
      const d = detailData(selected)
      detailCharts?.resting.setData(d.resting)
      detailCharts?.quotes.setData(d.quotes)
    }
  }

  let connecting = false
  const connect = async () => {
    if (connecting) return
    connecting = true
    try {
      const r = await fetch("/events", { headers: authHeaders() })
      if (r.status === 401) {
        $("state").textContent = "token needed"
        $("token").hidden = false
        return
      }
      say("")
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader()
      let buf = ""
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buf += value
        for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
          const chunk = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const event = /^event: (.*)$/m.exec(chunk)?.[1]
          const data = /^data: (.*)$/m.exec(chunk)?.[1]
          if (event !== undefined && data !== undefined) apply(event, JSON.parse(data))
        }
      }
      say("the bot closed the connection; reconnecting…")
    } catch (e) {
      say(`not connected (${e.message}); retrying…`)
    } finally {
      connecting = false
    }
    $("state").textContent = "disconnected"
    $("state").className = "badge HALTED"
    setTimeout(connect, 2000)
  }
  connect()
})()
