#!/usr/bin/env node
/**
 * `pnpm start`, `pnpm cli`, `pnpm sim`: the runner compiled to JavaScript by esbuild, then run in this process.
 *
 * Run from its TypeScript sources through tsx, every function the runner makes was named at run time (tsx
 * compiles with esbuild's `keepNames`: a call and an `Object.defineProperty` per closure made), and Effect code
 * makes closures on every step: a backtest ran ~18 % slower than the same code compiled (an hour's backtest,
 * three alternating pairs, 38.5 / 37.5 / 33.8 s through tsx against 31.2 / 33.2 / 27.8 s compiled). So the
 * workspace's sources are bundled into one module (the "@alpha-hunter/source" condition; every installed
 * package stays an import of its installed file), with the sweep's worker and the journal's writer beside it,
 * in `<package>/.launch/` (one level below the package, as `src/` and `dist/` are, so the paths the runner
 * finds from its own location — `config/`, `dashboard/` — are the same).
 *
 * It is rebuilt only when a source it was built from changed (each one's modification time against the one it had
 * when built, from esbuild's list of inputs: a few milliseconds to check, ~2 s to rebuild), after an install (it
 * imports installed packages by their files' paths) and when the checkout moved; launches at the same time wait
 * for one build (a lock file naming its process; a dead one's lock is taken over).
 *
 * `--entry FILE.ts` (first argument) runs another module the same way (the bench's backtest runs through it).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { alive, bundleRunner, runnerMain } from "./bundle.mjs"

const runner = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const custom = args[0] === "--entry" ? resolve(args[1] ?? "") : undefined
const entry = custom ?? runnerMain
if (custom !== undefined) args.splice(0, 2)
// the entry's package: the directory above its `src/`
const pkg = resolve(dirname(entry), "..")
const outdir = join(pkg, ".launch")
const stamp = join(outdir, "inputs.json")
const lock = join(pkg, ".launch.lock")

const self = fileURLToPath(import.meta.url)

/** whether every input of the last build (and this launcher) has the modification time it had then */
const fresh = () => {
  if (!existsSync(stamp)) return false
  try {
    const { at, inputs } = JSON.parse(readFileSync(stamp, "utf8"))
    // built in another place (a moved checkout): its imports of installed packages name that place's files
    if (at !== pkg) return false
    for (const [file, mtime] of Object.entries(inputs)) if (statSync(resolve(pkg, file)).mtimeMs !== mtime) return false
    return true
  } catch {
    return false // an input gone (renamed, deleted): rebuild
  }
}

/** takes the build lock (a file naming this process); false while another live process holds it */
const takeLock = () => {
  try {
    writeFileSync(lock, String(process.pid), { flag: "wx" })
    return true
  } catch {
    let holder
    try {
      holder = Number(readFileSync(lock, "utf8").trim())
    } catch {
      return false // released meanwhile: try again
    }
    // an empty file: its launch is between creating and naming it (unless that was long ago)
    const held = holder > 0 ? alive(holder) : Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs < 10_000
    if (!held) rmSync(lock, { force: true }) // left by a launch that died: taken over on the next try
    return false
  }
}

const build = async () => {
  const startedAt = Date.now()
  const tmp = join(pkg, `.launch-${process.pid}`)
  rmSync(tmp, { recursive: true, force: true })
  try {
    const sources = await bundleRunner(entry, tmp)
    // each input's modification time; one changed since the build started counts as unknown (-1: rebuilt next time)
    const inputs = {}
    // the install too: the bundle imports installed packages by their installed files' paths, which an install moves
    const installed = [join(runner, "../..", "node_modules/.modules.yaml"), join(runner, "../..", "pnpm-lock.yaml")]
    for (const file of [self, join(runner, "bundle.mjs"), ...installed.filter((f) => existsSync(f)), ...sources]) {
      const mtime = statSync(file).mtimeMs
      inputs[relative(pkg, file)] = mtime <= startedAt ? mtime : -1
    }
    mkdirSync(outdir, { recursive: true })
    // file by file, each whole (a launch reading the old set meanwhile reads whole files), the list of inputs last
    for (const f of ["journalWriter.mjs", "sweepWorker.js", "main.js"]) renameSync(join(tmp, f), join(outdir, f))
    writeFileSync(join(tmp, "inputs.json"), JSON.stringify({ at: pkg, inputs }))
    renameSync(join(tmp, "inputs.json"), stamp)
  } finally {
    // what a failed build wrote goes with it
    rmSync(tmp, { recursive: true, force: true })
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

for (let said = false; !fresh(); ) {
  if (takeLock()) {
    let failed
    try {
      if (!fresh()) await build()
    } catch (e) {
      failed = e instanceof Error ? e.message.split("\n")[0] : String(e)
    } finally {
      rmSync(lock, { force: true })
    }
    if (failed !== undefined) {
      // esbuild has printed where (a syntax error in a source): one line more, no stack
      process.stderr.write(`alpha-hunter: cannot build the runner from its sources: ${failed}\n`)
      process.exit(1)
    }
    break
  }
  if (!said) process.stderr.write("alpha-hunter: waiting for another launch's build of the runner…\n")
  said = true
  await sleep(100)
}

process.argv.splice(2, process.argv.length - 2, ...args)
await import(pathToFileURL(join(outdir, "main.js")).href)
