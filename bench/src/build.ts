/**
 * The runner is benchmarked compiled: `node apps/runner/dist/main.js`, no transpiler in the process. Before a
 * section starts a runner, `ensureRunnerBuilt` compiles the runner and its workspace dependencies
 * (`tsc -p tsconfig.build.json` in each, dependencies first, as `turbo run build` would) — but only the packages
 * whose `dist/` is missing or older than a file under `src/` (or their `package.json` / `tsconfig.build.json`),
 * so a second run starts at once. `--no-build` skips the check (the `dist/` already there is used as is).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { benchDir } from "./report.js"

const repoDir = path.resolve(benchDir, "..")

interface Pkg {
  readonly name: string
  readonly dir: string
  readonly deps: ReadonlyArray<string>
}

const workspacePackages = (): Map<string, Pkg> => {
  const out = new Map<string, Pkg>()
  for (const group of ["apps", "packages", "plugins"]) {
    const root = path.join(repoDir, group)
    if (!fs.existsSync(root)) continue
    for (const d of fs.readdirSync(root)) {
      const file = path.join(root, d, "package.json")
      if (!fs.existsSync(file)) continue
      const pj = JSON.parse(fs.readFileSync(file, "utf8")) as {
        name: string
        dependencies?: Record<string, string>
      }
      const deps = Object.entries(pj.dependencies ?? {})
        .filter(([, v]) => v.startsWith("workspace:"))
        .map(([k]) => k)
      out.set(pj.name, { name: pj.name, dir: path.join(root, d), deps })
    }
  }
  return out
}

/** The package and its workspace runtime dependencies, dependencies first. */
export const buildOrder = (
  root: string,
  pkgs: ReadonlyMap<string, { readonly deps: ReadonlyArray<string> }>
): Array<string> => {
  const order: Array<string> = []
  const seen = new Set<string>()
  const visit = (name: string, stack: ReadonlyArray<string>) => {
    if (seen.has(name)) return
    if (stack.includes(name)) throw new Error(`workspace dependency cycle: ${[...stack, name].join(" → ")}`)
    const p = pkgs.get(name)
    if (p === undefined) return
    for (const d of p.deps) visit(d, [...stack, name])
    seen.add(name)
    order.push(name)
  }
  visit(root, [])
  return order
}

const newest = (p: string): number => {
  if (!fs.existsSync(p)) return 0
  const st = fs.statSync(p)
  if (!st.isDirectory()) return st.mtimeMs
  let t = 0
  for (const e of fs.readdirSync(p)) t = Math.max(t, newest(path.join(p, e)))
  return t
}

const stale = (dir: string): boolean => {
  const dist = path.join(dir, "dist")
  if (!fs.existsSync(path.join(dist, "index.js")) && !fs.existsSync(path.join(dist, "main.js"))) return true
  const source = Math.max(
    newest(path.join(dir, "src")),
    newest(path.join(dir, "package.json")),
    newest(path.join(dir, "tsconfig.build.json")),
    newest(path.join(repoDir, "tsconfig.base.json"))
  )
  return source > newest(dist)
}

export const runnerMain = path.join(repoDir, "apps", "runner", "dist", "main.js")

let done = false

/** Compiles what `node apps/runner/dist/main.js` needs, when out of date. Returns the packages it built. */
export const ensureRunnerBuilt = (log: (line: string) => void, skip = false): ReadonlyArray<string> => {
  if (done || skip) {
    if (!fs.existsSync(runnerMain)) throw new Error(`${runnerMain} is missing (run without --no-build)`)
    return []
  }
  const pkgs = workspacePackages()
  const tsc = createRequire(path.join(repoDir, "package.json")).resolve("typescript/bin/tsc")
  const built: Array<string> = []
  let forced = false
  for (const name of buildOrder("@alpha-hunter/runner", pkgs)) {
    const p = pkgs.get(name)!
    // a rebuilt dependency changes the declarations its dependents compile against
    if (!forced && !stale(p.dir)) continue
    forced = true
    const t0 = Date.now()
    const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: p.dir, encoding: "utf8" })
    if (r.status !== 0) throw new Error(`build of ${name} failed:\n${r.stdout}${r.stderr}`)
    log(`build: ${name} compiled in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    built.push(name)
  }
  if (built.length === 0) log("build: the runner's dist/ is up to date")
  done = true
  return built
}
