/** A sweep's worker thread: runs the backtests it is handed (`SweepRun.RunCombo`), one at a time. */
import * as WorkerRunner from "@effect/platform/WorkerRunner"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import * as Layer from "effect/Layer"
import { RunCombo, runCombo } from "./SweepRun.js"

WorkerRunner.layerSerialized(RunCombo, { RunCombo: runCombo }).pipe(
  Layer.provide(NodeWorkerRunner.layer),
  WorkerRunner.launch,
  NodeRuntime.runMain
)
