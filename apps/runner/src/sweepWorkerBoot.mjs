// Running from source (tsx): a worker thread does not inherit the parent's loader, so this registers tsx in
// the worker and then loads the worker's TypeScript module (`workerData.entry`). Compiled, the worker's
// module is started directly and this file is not used.
import { workerData } from "node:worker_threads"
import { register } from "tsx/esm/api"

register()
await import(workerData.entry)
