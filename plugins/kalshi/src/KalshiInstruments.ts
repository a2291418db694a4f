/**
 * The market catalog (Nautilus' InstrumentProvider): markets with their tick grid and exchange shard, loaded
 * with the configured filter, fetched one by one on demand, and refreshed from the lifecycle channel — a
 * `price_level_structure_updated` event rebuilds the market's grid and re-grids its WebSocket book.
 * State: one `Ref` holding the catalog and whether a full load happened.
 */
import { Market as CoreMarket, ExchangeError as E, type Fee, Ids, TickGrid } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as parseMarket from "./internal/parseMarket.js"
import type { Endpoints, Query } from "./internal/rest.js"
import type * as wire from "./internal/wire.js"
import type { MarketFilter } from "./KalshiConfig.js"
import type { KalshiFeed } from "./KalshiFeed.js"

export interface MarketEntry {
  readonly market: CoreMarket.Market
  readonly grid: TickGrid.TickGrid
  readonly exchangeIndex: number
}

interface Catalog {
  readonly markets: HashMap.HashMap<string, MarketEntry>
  readonly loaded: boolean
}

export interface KalshiInstruments {
  /** the market (fetched and cached when not known yet) */
  readonly entry: (symbol: string) => Effect.Effect<MarketEntry, E.ExchangeError>
  /** every market of the filter, fetched now */
  readonly loadAll: Effect.Effect<ReadonlyArray<MarketEntry>, E.ExchangeError>
  /** the catalog, loading it first if it never was (or when `reload`) */
  readonly markets: (reload?: boolean) => Effect.Effect<ReadonlyMap<Ids.Symbol, CoreMarket.Market>, E.ExchangeError>
  /** events, from the venue's list, or grouped from the catalog where the venue has no list */
  readonly events: (status: string | undefined) => Effect.Effect<ReadonlyArray<CoreMarket.Event>, E.ExchangeError>
  /** a market lifecycle message: refresh the market (and re-grid its book when its price structure changed) */
  readonly onLifecycle: (l: typeof wire.WsLifecycle.Type) => Effect.Effect<void>
}

/**
 * Most tickers one `GET /markets` carries. The API documents no count limit for `tickers` (only `limit` ≤ 1000
 * per page); 100 matches the documented limit of the batch reads (`GET /markets/orderbooks`), keeps one chunk on
 * one page, and keeps the URL short.
 */
export const MAX_TICKERS_PER_QUERY = 100
/**
 * Longest `tickers` value (URL-encoded: a comma is `%2C`) one query carries. Front ends commonly refuse a
 * request target over 8 KiB (414, or 431 when the request line and headers pass their buffer); half that
 * leaves room for the path, the other parameters and a cursor.
 */
export const MAX_TICKERS_URL_CHARS = 4_000

/** Splits tickers into chunks within {@link MAX_TICKERS_PER_QUERY} and {@link MAX_TICKERS_URL_CHARS}, in order. */
export const chunkTickers = (
  tickers: ReadonlyArray<string>,
  maxCount = MAX_TICKERS_PER_QUERY,
  maxChars = MAX_TICKERS_URL_CHARS
): ReadonlyArray<ReadonlyArray<string>> => {
  const out: Array<Array<string>> = []
  let cur: Array<string> = []
  let chars = 0
  for (const t of tickers) {
    const len = encodeURIComponent(t).length + (cur.length > 0 ? 3 : 0)
    if (cur.length > 0 && (cur.length >= maxCount || chars + len > maxChars)) {
      out.push(cur)
      cur = []
      chars = 0
    }
    cur.push(t)
    chars += cur.length === 1 ? encodeURIComponent(t).length : len
  }
  if (cur.length > 0) out.push(cur)
  return out
}

/**
 * The REST queries for a filter: one per series or event when several are listed (the API takes one), and a
 * long ticker list in chunks (see {@link chunkTickers}); duplicates dropped.
 */
export const queriesFor = (f: MarketFilter): ReadonlyArray<Query> => {
  const base: Query = {
    ...(f.status !== undefined ? { status: f.status } : {}),
    ...(f.seriesTickers !== undefined && f.seriesTickers.length === 1 ? { series_ticker: f.seriesTickers[0] } : {}),
    ...(f.eventTickers !== undefined && f.eventTickers.length === 1 ? { event_ticker: f.eventTickers[0] } : {})
  }
  const withTickers: ReadonlyArray<Query> =
    f.tickers === undefined
      ? [base]
      : chunkTickers([...new Set(f.tickers)]).map((c) => ({ ...base, tickers: c.join(",") }))
  if (f.seriesTickers !== undefined && f.seriesTickers.length > 1) {
    return [...new Set(f.seriesTickers)].flatMap((s) => withTickers.map((q) => ({ ...q, series_ticker: s })))
  }
  if (f.eventTickers !== undefined && f.eventTickers.length > 1) {
    return [...new Set(f.eventTickers)].flatMap((ev) => withTickers.map((q) => ({ ...q, event_ticker: ev })))
  }
  return withTickers
}

/** Reads of one load in flight at once; each still waits for its read tokens in the limiter. */
export const READ_CONCURRENCY = 4

export const make = (o: {
  readonly venue: string
  readonly api: Endpoints
  readonly filter: MarketFilter
  readonly feed: KalshiFeed
  /** each market's fee model from its series (`GET /events/{e}` → `GET /series/{s}`); default true */
  readonly feesBySeries?: boolean
}): Effect.Effect<KalshiInstruments> =>
  Effect.gen(function* () {
    const venueId = Ids.VenueId.make(o.venue)
    const catalog = yield* Ref.make<Catalog>({ markets: HashMap.empty(), loaded: false })
    const put = (e: MarketEntry) =>
      Ref.update(catalog, (c) => ({ ...c, markets: HashMap.set(c.markets, e.market.symbol, e) }))

    // one grid per distinct price structure, shared by its markets (and kept across reloads)
    const gridOf = TickGrid.interner()
    const entryOf = (m: wire.Market): Either.Either<MarketEntry, E.BadVenueData> => {
      const market = parseMarket.market(venueId, m)
      const grid = gridOf(market.tickGrid)
      if (Either.isLeft(grid)) {
        return Either.left(new E.BadVenueData({ venue: o.venue, message: `market ${m.ticker}: ${grid.left.message}` }))
      }
      return Either.right({ market, grid: grid.right, exchangeIndex: m.exchange_index ?? 0 })
    }

    // fee models by event (the event may override its series' fee_type / fee_multiplier), cached
    const feeCache = yield* Ref.make(new Map<string, Fee.FeeModel>())
    const seriesCache = yield* Ref.make(new Map<string, typeof wire.Series.Type>())
    const modelOf = (ev: wire.Event, series: typeof wire.Series.Type | undefined) =>
      parseMarket.feeModel(
        ev.fee_type_override ?? series?.fee_type,
        ev.fee_multiplier_override ?? series?.fee_multiplier
      )
    const feesOf = (eventTicker: string): Effect.Effect<Fee.FeeModel> =>
      Effect.gen(function* () {
        const cached = (yield* Ref.get(feeCache)).get(eventTicker)
        if (cached !== undefined) return cached
        const ev = yield* o.api.getEvent(eventTicker)
        let series: typeof wire.Series.Type | undefined
        if (ev.series_ticker) {
          series = (yield* Ref.get(seriesCache)).get(ev.series_ticker)
          if (series === undefined) {
            series = yield* o.api.getSeries(ev.series_ticker)
            const s = series
            yield* Ref.update(seriesCache, (m) => new Map(m).set(s.ticker, s))
          }
        }
        const model = modelOf(ev, series)
        yield* Ref.update(feeCache, (m) => new Map(m).set(eventTicker, model))
        return model
      }).pipe(
        Effect.catchAll((e) =>
          Effect.as(
            Effect.logWarning(`kalshi: fee model of event ${eventTicker} not read (${e.message}); using the default`),
            parseMarket.defaultFees
          )
        )
      )
    /**
     * The fee models of many events at once: the events not cached (listed by chunks of tickers), then their
     * series not cached (one read each: the API lists series by category, not by ticker), {@link READ_CONCURRENCY}
     * at a time through the limiter. A read that fails here is left to `feesOf`
     * (one more try, then the default with a warning).
     */
    const prefetchFees = (eventTickers: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const cached = yield* Ref.get(feeCache)
        const todo = [...new Set(eventTickers)].filter((e) => !cached.has(e))
        if (todo.length === 0) return
        // `GET /events?tickers=…` by chunk (its page is ≤ 200 events); a chunk the venue does not answer (no
        // list endpoint) is read event by event
        const one = (e: string) => Effect.option(o.api.getEvent(e))
        const events = (yield* Effect.forEach(
          chunkTickers(todo),
          (chunk) =>
            o.api.getEvents({ tickers: chunk.join(",") }).pipe(
              Effect.map((es) => es.filter((e) => chunk.includes(e.event_ticker))),
              Effect.orElse(() =>
                Effect.map(Effect.forEach(chunk, one, { concurrency: READ_CONCURRENCY }), (os) =>
                  os.flatMap((x) => (Option.isSome(x) ? [x.value] : []))
                )
              )
            ),
          { concurrency: READ_CONCURRENCY }
        )).flat()
        const known = yield* Ref.get(seriesCache)
        const wanted = [...new Set(events.flatMap((e) => (e.series_ticker ? [e.series_ticker] : [])))]
        const read = (yield* Effect.forEach(
          wanted.filter((s) => !known.has(s)),
          (s) => Effect.option(o.api.getSeries(s)),
          { concurrency: READ_CONCURRENCY }
        )).flatMap((s) => (Option.isSome(s) ? [s.value] : []))
        const series = new Map(known)
        for (const s of read) series.set(s.ticker, s)
        yield* Ref.set(seriesCache, series)
        const models = new Map<string, Fee.FeeModel>()
        for (const ev of events) {
          const s = ev.series_ticker ? series.get(ev.series_ticker) : undefined
          if (ev.series_ticker && s === undefined) continue // its series was not read: feesOf tries again
          models.set(ev.event_ticker, modelOf(ev, s))
        }
        yield* Ref.update(feeCache, (m) => new Map([...m, ...models]))
      })
    const withFees = (e: MarketEntry): Effect.Effect<MarketEntry> =>
      o.feesBySeries === false || e.market.eventId === undefined
        ? Effect.succeed(e)
        : Effect.map(feesOf(e.market.eventId), (fees) => ({
            ...e,
            market: CoreMarket.Market.make({ ...e.market, fees })
          }))

    const loadAll = Effect.gen(function* () {
      // the queries (a long ticker list in chunks), a few in flight, each paged by cursor
      const pages = yield* Effect.forEach(queriesFor(o.filter), o.api.getMarkets, { concurrency: READ_CONCURRENCY })
      const seen = new Set<string>()
      const parsed: Array<MarketEntry> = []
      for (const m of pages.flat()) {
        if (seen.has(m.ticker)) continue // a market matching two queries (two series listed) once
        seen.add(m.ticker)
        const e = entryOf(m)
        if (Either.isLeft(e)) {
          yield* Effect.logWarning(`kalshi: skipping market: ${e.left.message}`)
          continue
        }
        parsed.push(e.right)
      }
      if (o.feesBySeries !== false) {
        yield* prefetchFees(parsed.flatMap((e) => (e.market.eventId !== undefined ? [e.market.eventId] : [])))
      }
      const out: Array<MarketEntry> = []
      for (const e of parsed) out.push(yield* withFees(e))
      yield* Ref.update(catalog, (c) => ({
        loaded: true,
        markets: out.reduce((acc, e) => HashMap.set(acc, e.market.symbol, e), c.markets)
      }))
      return out
    })

    const fetchOne = (symbol: string) =>
      o.api.getMarket(symbol).pipe(
        Effect.flatMap((m) => entryOf(m)),
        Effect.flatMap(withFees),
        Effect.tap(put)
      )

    const entry = (symbol: string): Effect.Effect<MarketEntry, E.ExchangeError> =>
      Effect.flatMap(Ref.get(catalog), (c) =>
        Option.match(HashMap.get(c.markets, symbol), {
          onSome: Effect.succeed,
          onNone: () =>
            fetchOne(symbol).pipe(
              Effect.mapError((e) =>
                e._tag === "OrderNotFound" || e._tag === "BadSymbol"
                  ? new E.BadSymbol({ venue: o.venue, symbol, message: `unknown market ${symbol}` })
                  : e
              )
            )
        })
      )

    // scheduled fee changes already told (by id)
    const toldChanges = yield* Ref.make(new Set<string>())
    /** Logs each series' fee changes still ahead once (`GET /series/fee_changes`); a failed read is skipped. */
    const scheduledFeeChanges = Effect.gen(function* () {
      for (const series of (yield* Ref.get(seriesCache)).keys()) {
        const changes = yield* o.api.getSeriesFeeChanges(series).pipe(Effect.orElseSucceed(() => []))
        for (const c of changes) {
          if ((yield* Ref.get(toldChanges)).has(c.id)) continue
          yield* Ref.update(toldChanges, (t) => new Set(t).add(c.id))
          yield* Effect.logWarning(
            `kalshi: series ${c.series_ticker} changes its fees to ${c.fee_type ?? "?"}${c.fee_multiplier != null ? ` ×${c.fee_multiplier}` : ""} at ${c.scheduled_ts ?? "?"}`
          )
        }
      }
    })

    const markets = (reload?: boolean) =>
      Effect.gen(function* () {
        // a reload reads fee types afresh too (a series' fee type can change while we run), and what is scheduled
        if (reload === true) yield* Effect.zipRight(Ref.set(feeCache, new Map()), Ref.set(seriesCache, new Map()))
        if (reload === true || !(yield* Ref.get(catalog)).loaded) yield* loadAll
        if (reload === true && o.feesBySeries !== false) yield* scheduledFeeChanges
        const c = yield* Ref.get(catalog)
        return new Map([...HashMap.values(c.markets)].map((e) => [e.market.symbol, e.market] as const))
      })

    const events = (status: string | undefined) =>
      o.api.getEvents({ with_nested_markets: true, ...(status !== undefined ? { status } : {}) }).pipe(
        Effect.map((es) => es.map((e) => parseMarket.event(venueId, e))),
        Effect.catchIf(
          (e) => e._tag === "OrderNotFound" || e._tag === "BadSymbol",
          () =>
            // venues without the list endpoint: group the loaded markets by event
            Effect.map(markets(), (ms) => {
              const byEvent = new Map<string, Array<Ids.Symbol>>()
              for (const m of ms.values()) {
                const ev = m.eventId ?? "?"
                byEvent.set(ev, [...(byEvent.get(ev) ?? []), m.symbol])
              }
              return [...byEvent.entries()].map(([id, syms]) =>
                CoreMarket.Event.make({ venue: venueId, id: Ids.EventId.make(id), title: id, markets: syms })
              )
            })
        )
      )

    const onLifecycle = (l: typeof wire.WsLifecycle.Type) =>
      Effect.gen(function* () {
        const ticker = l.market_ticker
        if (!ticker || l.event_type === undefined || l.event_type === null) return
        if (l.event_type === "price_level_structure_updated") {
          const e = yield* fetchOne(ticker).pipe(Effect.option)
          if (Option.isSome(e)) yield* o.feed.regrid(ticker, e.value.grid)
        } else if (HashMap.has((yield* Ref.get(catalog)).markets, ticker)) {
          yield* fetchOne(ticker).pipe(Effect.ignore)
        }
      })

    return { entry, loadAll, markets, events, onLifecycle } satisfies KalshiInstruments
  })
