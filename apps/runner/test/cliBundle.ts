/**
 * vitest global setup: the CLI the tests spawn, bundled once per test run from the TypeScript sources (`bundle.mjs`,
 * the "@alpha-hunter/source" condition, ~2 s). Started through tsx, every child process compiled its modules
 * in a loader thread — ~3 s of CPU before it did anything, against ~1.2 s for the bundle — and the runner's
 * tests start about a hundred of them. What runs is the same code as `pnpm start`; the README's commands
 * themselves are spawned as written by the launch tests, and the compiled `dist` by `test-compiled`.
 *
 * The bundle sits in `apps/runner/.cli-<pid>/` (one level below the package, as `src/` and `dist/` are, so the
 * paths the CLI finds from its own location — `config/`, `dashboard/`, the sweep worker beside it — are the
 * same) and is removed at the end of the run; one left by a killed run is removed by the next.
 */
import { existsSync, readdirSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import type { TestProject } from "vitest/node"
import { alive, bundleRunner, runnerMain } from "../bundle.mjs"

declare module "vitest" {
  export interface ProvidedContext {
    /** the bundled CLI's entry (`node <it> <args>`) */
    cliBundle: string
  }
}

const root = resolve(import.meta.dirname, "..")

// the projects of one run share the bundle (each runs this setup; they run in the one main process)
interface Shared {
  users: number
  built: Promise<string>
}
const key = Symbol.for("@alpha-hunter/runner/test/cliBundle")
const state = globalThis as { [key]?: Shared }

const bundle = async (): Promise<string> => {
  for (const name of readdirSync(root)) {
    const m = /^\.cli-(\d+)$/.exec(name)
    if (m !== null && !alive(Number(m[1]))) rmSync(join(root, name), { recursive: true, force: true })
  }
  const outdir = join(root, `.cli-${process.pid}`)
  await bundleRunner(runnerMain, outdir)
  return join(outdir, "main.js")
}

export default async function setup(project: TestProject) {
  const shared = state[key] ?? { users: 0, built: bundle() }
  state[key] = shared
  shared.users++
  project.provide("cliBundle", await shared.built)
  return async () => {
    if (--shared.users > 0) return
    const main = await shared.built
    delete state[key]
    if (existsSync(main)) rmSync(resolve(main, ".."), { recursive: true, force: true })
  }
}
