/**
 * A faithful local Kalshi exchange (Trade API v2 as of late 2026): REST under `/trade-api/v2`, WebSocket at
 * `/trade-api/ws/v2`, Kalshi auth, token buckets, V2 orders on one YES book, fees, order groups, lifecycle,
 * synthetic flow and run-time fault injection. `make` is a scoped resource; `layer` provides the `KalshiSim` tag.
 */
import * as crypto from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { TapeReader } from "@alpha-hunter/tape"
import { Clock, Context, Data, Duration, Effect, Layer, type Scope } from "effect"
import { parseMicros, parsePrice } from "./FixedPoint.js"
import { type AuthWindow, parsePublicKey, type RegisteredKey } from "./internal/auth.js"
import { isTier, type Tier } from "./internal/buckets.js"
import {
  driftControl,
  type FeeChange,
  type ProgramChange,
  setProgram,
  setSeriesFee,
  setStructure
} from "./internal/drift.js"
import { makeEngine } from "./internal/engine.js"
import {
  clearFaults,
  type FaultSpec,
  faultKinds,
  makeFaults,
  type PrivateChannel,
  type WriteOp,
  writeOps
} from "./internal/faults.js"
import type { FeeType } from "./internal/fees.js"
import { makeFlow } from "./internal/flow.js"
import {
  buildProgram,
  defaultLipRules,
  defaultSpecs as defaultProgramSpecs,
  type LipResult,
  type LipRules,
  makeLipSampler,
  type Program,
  type ProgramSpec,
  resultOf
} from "./internal/incentives.js"
import { buildMarket, defaultSpecs, type MarketSpec } from "./internal/markets.js"
import { makePrng } from "./internal/prng.js"
import * as Replay from "./internal/replay.js"
import { makeRest, type Reply } from "./internal/rest.js"
import { makeScheduler, type SimClock } from "./internal/scheduler.js"
import { makeWs, WS_PATH } from "./internal/ws.js"
import { generateKeyPair } from "./KalshiSigning.js"

export type { Tier } from "./internal/buckets.js"
export type { FeeChange, ProgramChange } from "./internal/drift.js"
export type { FaultSpec, PrivateChannel, WriteOp } from "./internal/faults.js"
export type { FeeType } from "./internal/fees.js"
export type { LipResult, LipRules, Program, ProgramSpec } from "./internal/incentives.js"
export type { MarketSpec } from "./internal/markets.js"

export class SimError extends Data.TaggedError("SimError")<{ readonly message: string; readonly cause?: unknown }> {}

export interface KeySpec {
  readonly keyId: string
  readonly publicKeyPem: string
  /** account the key trades for; defaults to a fresh account per key id */
  readonly userId?: string
}

export interface Options {
  /** 0 (default) = any free port */
  readonly port?: number
  readonly host?: string
  /** PRNG seed for ids, markets and synthetic flow (default 1) */
  readonly seed?: number
  /** number of generated markets (default 6) or explicit specs */
  readonly markets?: number | ReadonlyArray<MarketSpec>
  /** rate-limit tier (default "basic") */
  readonly tier?: Tier
  /** token buckets on (default true); turn off for throughput benchmarks */
  readonly rateLimit?: boolean
  /** synthetic participants: false (default), true (5 actions/s) or an explicit rate */
  readonly flow?: boolean | { readonly ratePerSec: number }
  /**
   * drive the books from a recorded tape (a directory `alpha-hunter record` wrote) at `speed` × real time
   * (default 1); turn `flow` off for a faithful replay. See `internal/replay.ts`.
   */
  readonly replay?: { readonly tape: string; readonly speed?: number }
  readonly keys?: ReadonlyArray<KeySpec>
  /**
   * "real" (default): wall clock. "effect": the Effect `Clock` in context (TestClock in tests).
   * "manual": time only moves with `advance(ms)`.
   */
  readonly clock?: "real" | "effect" | "manual"
  /** start time for the manual clock (default 2026-09-22T00:00:00Z) */
  readonly startTimeMs?: number
  /** starting cash of every account, dollars string (default "10000.00") */
  readonly initialBalance?: string
  /** accepted timestamp skew (default 10 s past / 60 s future) */
  readonly authWindow?: AuthWindow
  /** server Ping cadence (default 10 000 ms; 0 disables) */
  readonly pingIntervalMs?: number
  /**
   * incentive programs served by `GET /incentive_programs`: true (default) = a realistic set for the markets
   * (a liquidity program per market, some volume programs, one upcoming), false = none, or explicit specs
   */
  readonly incentives?: boolean | ReadonlyArray<ProgramSpec>
  /**
   * the simulator's own LIP scorer (off by default): sample every second at a random offset and tally each
   * liquidity program per account, with these rules (defaults: Target/5 reference, whole levels, grid ticks)
   */
  readonly lipScoring?: boolean | Partial<LipRules>
  /** longest request target (path + query) the REST server takes (default 8 190); longer gets 414 */
  readonly maxUrlLength?: number
  /** sees every REST request answered: method, path (no query), status — for counting requests in tests */
  readonly onRequest?: (method: string, path: string, status: number) => void
}

export interface GeneratedKey {
  readonly keyId: string
  readonly userId: string
  readonly privateKeyPem: string
  readonly publicKeyPem: string
}

export interface Faults {
  /** any fault by spec, the same shape `POST /_sim/faults` accepts */
  readonly inject: (spec: FaultSpec) => Effect.Effect<void, SimError>
  /** terminate every WebSocket without a close frame; returns how many were dropped */
  readonly dropSockets: Effect.Effect<number>
  readonly skipSeq: (count?: number) => Effect.Effect<void>
  readonly duplicateFrames: (count?: number) => Effect.Effect<void>
  readonly reorderFrames: (count?: number) => Effect.Effect<void>
  /** the next frames are each preceded by a non-JSON frame and a malformed `orderbook_delta` */
  readonly malformedFrames: (count?: number) => Effect.Effect<void>
  readonly suppressUserOrders: (count?: number) => Effect.Effect<void>
  readonly rateLimitStorm: (opts: { readonly count?: number; readonly durationMs?: number }) => Effect.Effect<void>
  readonly serverErrors: (count?: number, status?: 500 | 502 | 503) => Effect.Effect<void>
  readonly latency: (ms: number, count?: number) => Effect.Effect<void>
  /** the engine applies the order but the response is lost (socket destroyed, or 504 without body) */
  readonly loseResponse: (count?: number, mode?: "destroy" | "504") => Effect.Effect<void>
  /** next batch create(s): listed item indices (default: odd ones) fail with an item-level 500 */
  readonly partialBatchFailure: (count?: number, indices?: ReadonlyArray<number>) => Effect.Effect<void>
  /**
   * the next `count` writes among `operations` (default: create, batch create, cancel, batch cancel, amend) are
   * applied, then answered 2xx with a body a client cannot decode (`order_id` is a number, in every item of a batch)
   */
  readonly malformedResponses: (count?: number, operations?: ReadonlyArray<WriteOp>) => Effect.Effect<void>
  /** the next `count` private messages on `channel` (default user_orders) are dropped, their seq numbers skipped */
  readonly privateSeqGap: (count?: number, channel?: PrivateChannel) => Effect.Effect<void>
  /** REST order reads lag the engine (and the WebSocket) by `ms`; 0 = live again */
  readonly restLag: (ms: number) => Effect.Effect<void>
  /** the venue cancels a resting order of `userId` (by id, else its newest) and sends no user_order; the order id */
  readonly silentCancel: (userId: string, orderId?: string) => Effect.Effect<string | undefined>
  /** the venue shrinks a resting order by `by` contracts (default 1) and sends no user_order; the order id */
  readonly sizeMismatch: (userId: string, by?: number, orderId?: string) => Effect.Effect<string | undefined>
  /**
   * a user_order says a resting order (by id, else the newest) was canceled while it keeps resting; with
   * `fill` (default true) a synthetic taker then trades one contract against it; the order id
   */
  readonly phantomTerminal: (userId: string, fill?: boolean, orderId?: string) => Effect.Effect<string | undefined>
  /** REST order reads keep showing the state from before this call until `unfreezeOrderReads` */
  readonly freezeOrderReads: Effect.Effect<void>
  readonly unfreezeOrderReads: Effect.Effect<void>
  readonly clear: Effect.Effect<void>
}

export type MarketResult = "yes" | "no" | "scalar"

export interface Incentives {
  readonly programs: Effect.Effect<ReadonlyArray<Program>>
  readonly addProgram: (spec: ProgramSpec) => Effect.Effect<Program, SimError>
  /** an account's LIP tally for a program so far (zeros when scoring is off) */
  readonly lip: (programId: string, userId: string) => Effect.Effect<LipResult>
  /** the last snapshot times (ms), newest last */
  readonly lipSampleTimes: Effect.Effect<ReadonlyArray<number>>
  /** when the next LIP snapshot is due (undefined when scoring is off) */
  readonly lipNextSample: Effect.Effect<number | undefined>
}

export interface Control {
  readonly pauseTrading: Effect.Effect<void>
  readonly resumeTrading: Effect.Effect<void>
  readonly pauseExchange: Effect.Effect<void>
  readonly resumeExchange: Effect.Effect<void>
  readonly deactivateMarket: (ticker: string) => Effect.Effect<void, SimError>
  readonly activateMarket: (ticker: string) => Effect.Effect<void, SimError>
  readonly closeMarket: (ticker: string) => Effect.Effect<void, SimError>
  readonly determineMarket: (ticker: string, result: MarketResult, value?: string) => Effect.Effect<void, SimError>
  /** close (if needed), determine (if needed) and settle: positions are credited */
  readonly settleMarket: (ticker: string, result?: MarketResult, value?: string) => Effect.Effect<void, SimError>
  readonly addMarket: (spec: MarketSpec) => Effect.Effect<void, SimError>
  readonly setFlowRate: (perSec: number) => Effect.Effect<void>
  /** run n synthetic actions now (deterministic under the seed) */
  readonly flowStep: (n?: number) => Effect.Effect<void>
  readonly setTier: (tier: Tier) => Effect.Effect<void>
  readonly setRateLimit: (on: boolean) => Effect.Effect<void>
  /** add cash to an account, dollars string */
  readonly fund: (userId: string, dollars: string) => Effect.Effect<void, SimError>
  /**
   * drift: every market of a series gets this fee type (and multiplier, basis points) now, or at `atMs` (ms since
   * epoch, scheduled); listed in `GET /series/fee_changes`
   */
  readonly setSeriesFee: (
    series: string,
    feeType: FeeType,
    multiplierBp?: number,
    atMs?: number
  ) => Effect.Effect<void, SimError>
  /** drift: a program's parameters change (same id) */
  readonly setProgram: (programId: string, change: ProgramChange) => Effect.Effect<Program, SimError>
  /** drift: a market's price level structure changes (`price_level_structure_updated` on the lifecycle channel) */
  readonly setPriceLevelStructure: (ticker: string, structure: string) => Effect.Effect<void, SimError>
}

export interface SimHandle {
  readonly restUrl: string
  readonly wsUrl: string
  /** base URL of the control endpoint (`…/_sim`) */
  readonly controlUrl: string
  readonly port: number
  readonly host: string
  /** simulator time (ms since epoch); sign requests with this when the clock is not "real" */
  readonly now: Effect.Effect<number>
  readonly nowSync: () => number
  readonly tickers: Effect.Effect<ReadonlyArray<string>>
  /** with `replay`: records read and applied so far, and whether the tape has ended */
  readonly replay: Effect.Effect<
    { readonly records: number; readonly applied: number; readonly done: boolean } | undefined
  >
  readonly registerKey: (keyId: string, publicKeyPem: string, userId?: string) => Effect.Effect<void, SimError>
  readonly generateKey: (opts?: {
    readonly type?: "rsa" | "ed25519"
    readonly userId?: string
  }) => Effect.Effect<GeneratedKey, SimError>
  readonly faults: Faults
  readonly control: Control
  readonly incentives: Incentives
  /** manual clock: move time forward, firing expiries, closes, flow and pings in order */
  readonly advance: (ms: number) => Effect.Effect<void>
  readonly stats: Effect.Effect<{ readonly wsConnections: number; readonly wsMessagesSent: number }>
}

export class KalshiSim extends Context.Tag("@alpha-hunter/kalshi-sim/KalshiSim")<KalshiSim, SimHandle>() {}

const DEFAULT_START = Date.UTC(2026, 8, 22)

export const make = (options: Options = {}): Effect.Effect<SimHandle, SimError, Scope.Scope> =>
  Effect.gen(function* () {
    const mode = options.clock ?? "real"
    const effectClock = yield* Effect.clock
    const clk = mode === "effect" ? effectClock : Clock.make()
    let manualNow = options.startTimeMs ?? DEFAULT_START
    const clock: SimClock = { now: mode === "manual" ? () => manualNow : () => clk.unsafeCurrentTimeMillis() }
    const seed = options.seed ?? 1
    const scheduler = makeScheduler()
    const initial = parseMicros(options.initialBalance ?? "10000.00")
    if (initial === undefined) return yield* new SimError({ message: `bad initialBalance ${options.initialBalance}` })
    const engine = makeEngine({
      clock,
      scheduler,
      ids: makePrng(seed ^ 0x5bd1e995),
      initialBalanceMicros: initial
    })
    const faultState = makeFaults()
    const keys = new Map<string, RegisteredKey>()
    const marketPrng = makePrng(seed ^ 0x27d4eb2f)
    const specs =
      typeof options.markets === "number" || options.markets === undefined
        ? defaultSpecs(options.markets ?? 6, makePrng(seed ^ 0x2545f491))
        : options.markets
    for (const spec of specs) {
      const m = yield* Effect.try({
        try: () => buildMarket(spec, clock.now(), marketPrng),
        catch: (e) => new SimError({ message: String(e), cause: e })
      })
      engine.addMarket(m)
    }
    const flow = makeFlow(engine, makePrng(seed), scheduler, clock.now)
    const programPrng = makePrng(seed ^ 0x165667b1)
    const programs: Array<Program> = []
    const feeChanges: Array<FeeChange> = []
    const driftPrng = makePrng(seed ^ 0x3c6ef372)
    const addProgramSync = (spec: ProgramSpec): Program => {
      const m = engine.markets.get(spec.ticker)
      if (m === undefined) throw new Error(`incentive program for unknown market ${spec.ticker}`)
      const p = buildProgram(spec, m, clock.now(), programPrng)
      programs.push(p)
      return p
    }
    const programSpecs =
      options.incentives === false
        ? []
        : options.incentives === undefined || options.incentives === true
          ? defaultProgramSpecs([...engine.markets.keys()], clock.now(), programPrng)
          : options.incentives
    for (const spec of programSpecs) {
      yield* Effect.try({
        try: () => addProgramSync(spec),
        catch: (e) => new SimError({ message: String(e), cause: e })
      })
    }
    const lip = makeLipSampler({
      scheduler,
      prng: makePrng(seed ^ 0x3c6ef372),
      now: clock.now,
      programs: () => programs,
      market: (t) => engine.markets.get(t),
      rules: {
        ...defaultLipRules,
        ...(typeof options.lipScoring === "object" ? options.lipScoring : {})
      }
    })
    if (options.lipScoring !== undefined && options.lipScoring !== false) lip.start()
    const settings = { tier: options.tier ?? ("basic" as Tier), rateLimit: options.rateLimit ?? true }
    let userCounter = 0

    const registerKeySync = (keyId: string, pem: string, userId?: string): void => {
      const key = parsePublicKey(pem)
      keys.set(keyId, { keyId, userId: userId ?? `user-${++userCounter}-${keyId.slice(0, 8)}`, key })
      engine.ensureUser(keys.get(keyId)!.userId)
    }
    const registerKey = (keyId: string, pem: string, userId?: string) =>
      Effect.try({
        try: () => registerKeySync(keyId, pem, userId),
        catch: (e) => new SimError({ message: `cannot register key ${keyId}: ${String(e)}`, cause: e })
      })
    for (const k of options.keys ?? []) yield* registerKey(k.keyId, k.publicKeyPem, k.userId)

    const ws = makeWs({
      engine,
      faults: faultState,
      keys,
      clock,
      scheduler,
      authWindow: options.authWindow ?? { pastMs: 10_000, futureMs: 60_000 },
      pingIntervalMs: options.pingIntervalMs ?? 10_000
    })

    const applyFault = (spec: FaultSpec): string | undefined => {
      switch (spec.kind) {
        case "private_seq_gap":
          faultState.privateSeqGap = { count: spec.count ?? 1, channel: spec.channel ?? "user_orders" }
          return
        case "rest_lag":
          engine.setReadLag(spec.ms)
          return
        case "silent_cancel":
          return engine.silentCancel(spec.user_id, spec.order_id)
        case "size_mismatch":
          return engine.silentShrink(spec.user_id, Math.round((spec.by ?? 1) * 100), spec.order_id)
        case "phantom_terminal":
          return engine.phantomTerminal(spec.user_id, spec.fill ?? true, spec.order_id)
        case "drop_sockets":
          ws.dropAll()
          return
        case "skip_seq":
          faultState.skipSeq += spec.count ?? 1
          return
        case "duplicate_frames":
          faultState.duplicateFrames += spec.count ?? 1
          return
        case "reorder_frames":
          faultState.reorderFrames += spec.count ?? 1
          return
        case "malformed_frames":
          faultState.malformedFrames += spec.count ?? 1
          return
        case "suppress_user_orders":
          faultState.suppressUserOrders += spec.count ?? 1
          return
        case "rate_limit_storm":
          if (spec.duration_ms !== undefined) faultState.rateLimitStorm.untilMs = clock.now() + spec.duration_ms
          if (spec.count !== undefined || spec.duration_ms === undefined)
            faultState.rateLimitStorm.count += spec.count ?? 1
          return
        case "server_errors":
          faultState.serverErrors = { count: spec.count ?? 1, status: spec.status ?? 500 }
          return
        case "latency":
          faultState.latency = { ms: spec.ms, count: spec.count ?? Number.MAX_SAFE_INTEGER }
          return
        case "lose_response":
          faultState.loseResponse = { count: spec.count ?? 1, mode: spec.mode ?? "destroy" }
          return
        case "partial_batch_failure":
          faultState.partialBatch = { count: spec.count ?? 1, indices: spec.indices }
          return
        case "malformed_responses":
          faultState.malformedResponses = {
            count: spec.count ?? 1,
            operations: Array.isArray(spec.operations) ? spec.operations.filter((o) => writeOps.includes(o)) : undefined
          }
          return
        case "freeze_order_reads":
          engine.setReadsFrozen(true)
          return
        case "unfreeze_order_reads":
          engine.setReadsFrozen(false)
          return
        case "clear":
          clearFaults(faultState)
          engine.setReadsFrozen(false)
          engine.setReadLag(0)
          return
      }
    }

    const marketOr = (ticker: string) => {
      const m = engine.markets.get(ticker)
      return m === undefined ? Effect.fail(new SimError({ message: `unknown market ${ticker}` })) : Effect.succeed(m)
    }
    const valueOf = (v: string | undefined) => (v === undefined ? undefined : parsePrice(v))

    // manual clock stepping
    const advanceSync = (ms: number): void => {
      if (mode !== "manual") {
        scheduler.runDue(clock.now())
        return
      }
      const target = manualNow + Math.max(0, ms)
      for (;;) {
        const next = scheduler.nextDue()
        if (next === undefined || next > target) break
        manualNow = Math.max(manualNow, next)
        scheduler.runDue(manualNow)
      }
      manualNow = target
      scheduler.runDue(manualNow)
    }

    // ------------------------------------------------------------ drift (fee type, program, price grid)
    const tryDrift = <A>(f: () => A) =>
      Effect.try({
        try: f,
        catch: (e) => new SimError({ message: e instanceof Error ? e.message : String(e), cause: e })
      })
    const driftHttp = (action: string, body: Record<string, unknown>) =>
      driftControl(action, body, {
        engine,
        feeChanges,
        programs,
        prng: driftPrng,
        now: clock.now,
        schedule: (ms, f) => scheduler.at(ms, f)
      })

    // ------------------------------------------------------------ control endpoint (/_sim)
    const json = (status: number, body: unknown): Reply => ({ status, body })
    const controlHttp = (method: string, path: string, _q: URLSearchParams, raw: string): Reply => {
      let body: Record<string, unknown> = {}
      if (raw.trim() !== "") {
        try {
          const v = JSON.parse(raw) as unknown
          if (typeof v !== "object" || v === null || Array.isArray(v))
            return json(400, { error: "body must be a JSON object" })
          body = v as Record<string, unknown>
        } catch {
          return json(400, { error: "invalid JSON" })
        }
      }
      if (method === "GET" && path === "/_sim/state") {
        return json(200, {
          now_ms: clock.now(),
          clock: mode,
          tier: settings.tier,
          rate_limit: settings.rateLimit,
          flow_rate: flow.rate(),
          markets: [...engine.markets.keys()],
          ws_connections: ws.connections(),
          ws_messages_sent: ws.messagesSent(),
          fault_kinds: faultKinds
        })
      }
      if (method !== "POST") return json(404, { error: "not found" })
      switch (path) {
        case "/_sim/faults": {
          if (typeof body.kind !== "string" || !faultKinds.includes(body.kind as FaultSpec["kind"])) {
            return json(400, { error: `unknown fault kind`, kinds: faultKinds })
          }
          const orderId = applyFault(body as unknown as FaultSpec)
          return json(200, { ok: true, ...(orderId !== undefined ? { order_id: orderId } : {}) })
        }
        case "/_sim/advance":
          advanceSync(typeof body.ms === "number" ? body.ms : 0)
          return json(200, { ok: true, now_ms: clock.now() })
        case "/_sim/keys": {
          if (typeof body.key_id !== "string" || typeof body.public_key !== "string") {
            return json(400, { error: "key_id and public_key required" })
          }
          try {
            registerKeySync(body.key_id, body.public_key, typeof body.user_id === "string" ? body.user_id : undefined)
          } catch (e) {
            return json(400, { error: String(e) })
          }
          return json(200, { ok: true })
        }
        case "/_sim/control": {
          const action = body.action
          const ticker = typeof body.ticker === "string" ? body.ticker : ""
          const m = engine.markets.get(ticker)
          const result = body.result === "no" || body.result === "scalar" ? body.result : "yes"
          const value = typeof body.value === "string" ? valueOf(body.value) : undefined
          const needMarket = () => json(400, { error: `unknown market ${ticker}` })
          switch (action) {
            case "pause_trading":
              engine.pauseTrading()
              break
            case "resume_trading":
              engine.resumeTrading()
              break
            case "pause_exchange":
              engine.pauseExchange()
              break
            case "resume_exchange":
              engine.resumeExchange()
              break
            case "deactivate_market":
              if (m === undefined) return needMarket()
              engine.deactivateMarket(m)
              break
            case "activate_market":
              if (m === undefined) return needMarket()
              engine.activateMarket(m)
              break
            case "close_market":
              if (m === undefined) return needMarket()
              engine.closeMarket(m, true)
              break
            case "determine_market":
              if (m === undefined) return needMarket()
              engine.determineMarket(m, result, value)
              break
            case "settle_market":
              if (m === undefined) return needMarket()
              engine.settleMarket(m, result, value)
              break
            case "set_series_fee":
            case "set_program":
            case "set_price_level_structure": {
              const r = driftHttp(action, body)
              if (r !== undefined) return json(400, { error: r })
              break
            }
            case "set_flow_rate":
              flow.setRate(typeof body.rate === "number" ? body.rate : 0)
              break
            case "set_tier":
              if (typeof body.tier !== "string" || !isTier(body.tier)) return json(400, { error: "unknown tier" })
              settings.tier = body.tier
              for (const u of engine.users.values()) {
                u.read = undefined
                u.write = undefined
              }
              break
            default:
              return json(400, { error: `unknown action ${String(action)}` })
          }
          return json(200, { ok: true })
        }
        default:
          return json(404, { error: "not found" })
      }
    }

    const rest = makeRest({
      engine,
      faults: faultState,
      keys,
      clock,
      authWindow: options.authWindow ?? { pastMs: 10_000, futureMs: 60_000 },
      settings,
      programs: () => programs,
      feeChanges: () => feeChanges,
      control: controlHttp,
      ...(options.maxUrlLength !== undefined ? { maxUrlLength: options.maxUrlLength } : {}),
      ...(options.onRequest !== undefined ? { onRequest: options.onRequest } : {})
    })

    const host = options.host ?? "127.0.0.1"
    const server = yield* Effect.acquireRelease(
      Effect.async<http.Server, SimError>((resume) => {
        const srv = http.createServer({ keepAlive: true }, rest.listener)
        srv.keepAliveTimeout = 30_000
        srv.on("upgrade", ws.upgrade)
        const onError = (e: Error) =>
          resume(Effect.fail(new SimError({ message: `listen failed: ${e.message}`, cause: e })))
        srv.once("error", onError)
        srv.listen(options.port ?? 0, host, () => {
          srv.off("error", onError)
          resume(Effect.succeed(srv))
        })
      }),
      (srv) =>
        Effect.async<void>((resume) => {
          ws.close(() => {
            srv.closeAllConnections()
            srv.close(() => resume(Effect.void))
          })
        })
    )
    const port = (server.address() as AddressInfo).port

    // clock driver for "real" and "effect" modes: fires due jobs (expiries, closes, flow, pings)
    if (mode !== "manual") {
      const tick: Effect.Effect<void> = Effect.suspend(() => {
        scheduler.runDue(clock.now())
        const next = scheduler.nextDue()
        const wait = next === undefined ? 50 : Math.min(50, Math.max(1, next - clock.now()))
        return clk.sleep(Duration.millis(wait))
      })
      yield* Effect.forkScoped(Effect.forever(tick))
    }

    let replayStats: Replay.ReplayStats | undefined
    if (options.replay !== undefined) {
      const reader = yield* TapeReader.open(options.replay.tape).pipe(
        Effect.mapError((e) => new SimError({ message: e.message, cause: e }))
      )
      replayStats = Replay.start(engine, scheduler, clock.now, reader.records(), options.replay.speed ?? 1)
    }

    const flowRate =
      options.flow === undefined || options.flow === false ? 0 : options.flow === true ? 5 : options.flow.ratePerSec
    if (flowRate > 0) {
      for (const m of engine.markets.values()) if (m.status === "active") flow.seed(m)
      flow.setRate(flowRate)
    }

    const sync = <A>(f: () => A) => Effect.sync(f)
    const onMarket = (ticker: string, f: (m: NonNullable<ReturnType<typeof engine.markets.get>>) => void) =>
      Effect.flatMap(marketOr(ticker), (m) => Effect.sync(() => f(m)))

    const handle: SimHandle = {
      restUrl: `http://${host}:${port}/trade-api/v2`,
      wsUrl: `ws://${host}:${port}${WS_PATH}`,
      controlUrl: `http://${host}:${port}/_sim`,
      port,
      host,
      now: Effect.sync(clock.now),
      nowSync: clock.now,
      tickers: Effect.sync(() => [...engine.markets.keys()]),
      replay: Effect.sync(() => (replayStats === undefined ? undefined : { ...replayStats })),
      registerKey,
      generateKey: (opts) =>
        Effect.gen(function* () {
          const pair = generateKeyPair(opts?.type ?? "rsa")
          const keyId = crypto.randomUUID()
          yield* registerKey(keyId, pair.publicKeyPem, opts?.userId)
          return { keyId, userId: keys.get(keyId)!.userId, ...pair }
        }),
      faults: {
        inject: (spec) =>
          faultKinds.includes(spec.kind)
            ? Effect.asVoid(Effect.sync(() => applyFault(spec)))
            : Effect.fail(new SimError({ message: `unknown fault kind ${String(spec.kind)}` })),
        dropSockets: Effect.sync(() => ws.dropAll()),
        skipSeq: (count = 1) => sync(() => applyFault({ kind: "skip_seq", count })),
        duplicateFrames: (count = 1) => sync(() => applyFault({ kind: "duplicate_frames", count })),
        reorderFrames: (count = 1) => sync(() => applyFault({ kind: "reorder_frames", count })),
        malformedFrames: (count = 1) => sync(() => applyFault({ kind: "malformed_frames", count })),
        suppressUserOrders: (count = 1) => sync(() => applyFault({ kind: "suppress_user_orders", count })),
        rateLimitStorm: (o) =>
          sync(() =>
            applyFault({
              kind: "rate_limit_storm",
              ...(o.count === undefined ? {} : { count: o.count }),
              ...(o.durationMs === undefined ? {} : { duration_ms: o.durationMs })
            })
          ),
        serverErrors: (count = 1, status = 500) => sync(() => applyFault({ kind: "server_errors", count, status })),
        latency: (ms, count) =>
          sync(() => applyFault({ kind: "latency", ms, ...(count === undefined ? {} : { count }) })),
        loseResponse: (count = 1, mode2 = "destroy") =>
          sync(() => applyFault({ kind: "lose_response", count, mode: mode2 })),
        partialBatchFailure: (count = 1, indices) =>
          sync(() =>
            applyFault({ kind: "partial_batch_failure", count, ...(indices === undefined ? {} : { indices }) })
          ),
        malformedResponses: (count = 1, operations) =>
          sync(() =>
            applyFault({ kind: "malformed_responses", count, ...(operations === undefined ? {} : { operations }) })
          ),
        privateSeqGap: (count = 1, channel = "user_orders") =>
          Effect.asVoid(sync(() => applyFault({ kind: "private_seq_gap", count, channel }))),
        restLag: (ms) => Effect.asVoid(sync(() => applyFault({ kind: "rest_lag", ms }))),
        silentCancel: (userId, orderId) =>
          sync(() =>
            applyFault({
              kind: "silent_cancel",
              user_id: userId,
              ...(orderId !== undefined ? { order_id: orderId } : {})
            })
          ),
        sizeMismatch: (userId, by = 1, orderId) =>
          sync(() =>
            applyFault({
              kind: "size_mismatch",
              user_id: userId,
              by,
              ...(orderId !== undefined ? { order_id: orderId } : {})
            })
          ),
        phantomTerminal: (userId, fill = true, orderId) =>
          sync(() =>
            applyFault({
              kind: "phantom_terminal",
              user_id: userId,
              fill,
              ...(orderId !== undefined ? { order_id: orderId } : {})
            })
          ),
        freezeOrderReads: sync(() => applyFault({ kind: "freeze_order_reads" })),
        unfreezeOrderReads: sync(() => applyFault({ kind: "unfreeze_order_reads" })),
        clear: sync(() => applyFault({ kind: "clear" }))
      },
      control: {
        pauseTrading: sync(engine.pauseTrading),
        resumeTrading: sync(engine.resumeTrading),
        pauseExchange: sync(engine.pauseExchange),
        resumeExchange: sync(engine.resumeExchange),
        deactivateMarket: (t) => onMarket(t, engine.deactivateMarket),
        activateMarket: (t) => onMarket(t, engine.activateMarket),
        closeMarket: (t) => onMarket(t, (m) => engine.closeMarket(m, true)),
        determineMarket: (t, result, value) => onMarket(t, (m) => engine.determineMarket(m, result, valueOf(value))),
        settleMarket: (t, result, value) => onMarket(t, (m) => engine.settleMarket(m, result, valueOf(value))),
        addMarket: (spec) =>
          Effect.try({
            try: () => engine.addMarket(buildMarket(spec, clock.now(), marketPrng)),
            catch: (e) => new SimError({ message: String(e), cause: e })
          }),
        setFlowRate: (perSec) => sync(() => flow.setRate(perSec)),
        flowStep: (n = 1) =>
          sync(() => {
            for (let i = 0; i < n; i++) flow.step()
          }),
        setTier: (tier) =>
          sync(() => {
            settings.tier = tier
            for (const u of engine.users.values()) {
              u.read = undefined
              u.write = undefined
            }
          }),
        setRateLimit: (on) =>
          sync(() => {
            settings.rateLimit = on
          }),
        setSeriesFee: (series, feeType, multiplierBp, atMs) =>
          tryDrift(() =>
            setSeriesFee(
              engine,
              feeChanges,
              driftPrng,
              series,
              feeType,
              multiplierBp,
              clock.now(),
              atMs === undefined ? undefined : { ms: atMs, schedule: (ms, f) => scheduler.at(ms, f) }
            )
          ),
        setProgram: (id, change) => tryDrift(() => setProgram(programs, id, change)),
        setPriceLevelStructure: (ticker, structure) => tryDrift(() => setStructure(engine, ticker, structure)),
        fund: (userId, dollars) => {
          const micros = parseMicros(dollars)
          return micros === undefined
            ? Effect.fail(new SimError({ message: `bad amount ${dollars}` }))
            : sync(() => {
                engine.ensureUser(userId).cash += micros
              })
        }
      },
      incentives: {
        programs: sync(() => [...programs]),
        addProgram: (spec) =>
          Effect.try({
            try: () => addProgramSync(spec),
            catch: (e) => new SimError({ message: String(e), cause: e })
          }),
        lip: (programId, userId) =>
          sync(() => {
            const p = programs.find((x) => x.id === programId)
            return p === undefined
              ? {
                  snapshots: 0,
                  included: 0,
                  scorePico: 0n,
                  rewardCentiCents: 0,
                  earnedCentiCents: 0,
                  atBestSnapshots: 0
                }
              : resultOf(p, lip.tally(programId), userId)
          }),
        lipSampleTimes: sync(lip.times),
        lipNextSample: sync(lip.next)
      },
      advance: (ms) => sync(() => advanceSync(ms)),
      stats: sync(() => ({ wsConnections: ws.connections(), wsMessagesSent: ws.messagesSent() }))
    }
    return handle
  })

/** Scoped layer providing the `KalshiSim` tag. */
export const layer = (options: Options = {}): Layer.Layer<KalshiSim, SimError> => Layer.scoped(KalshiSim, make(options))
