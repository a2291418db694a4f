/**
 * `launch.mjs` (what `pnpm start` / `pnpm cli` run): the bundle is built once, reused while its sources are
 * unchanged, rebuilt when one changes; a lock left by a dead launch is taken over; a live one is waited for;
 * launches at the same time build once. A throw-away package with a small entry is launched (`--entry`), so the
 * runner's own bundle is not touched.
 */
import { execFile } from "node:child_process"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"

const launcher = resolve(import.meta.dirname, "..", "launch.mjs")
const pkg = mkdtempSync(join(tmpdir(), "launch-test-"))
const entry = join(pkg, "src", "main.ts")
const bundle = join(pkg, ".launch", "main.js")
const lock = join(pkg, ".launch.lock")
mkdirSync(join(pkg, "src"))
writeFileSync(join(pkg, "package.json"), JSON.stringify({ type: "module" }))
afterAll(() => rmSync(pkg, { recursive: true, force: true }))

const writeEntry = (word: string) =>
  writeFileSync(
    entry,
    `const word: string = ${JSON.stringify(word)}\nconsole.log(word, process.argv.slice(2).join(","))\n`
  )

const launch = (...args: ReadonlyArray<string>) =>
  new Promise<{ readonly code: number; readonly out: string; readonly err: string }>((done) => {
    execFile(process.execPath, [launcher, "--entry", entry, ...args], { timeout: 60_000 }, (e, out, err) =>
      done({ code: e === null ? 0 : typeof e.code === "number" ? e.code : 1, out, err })
    )
  })

describe("launch.mjs", () => {
  it("builds once, runs the entry with its arguments, reuses the bundle, rebuilds when a source changes", async () => {
    writeEntry("one")
    const first = await launch("a", "b")
    assert.strictEqual(first.code, 0, first.err)
    assert.strictEqual(first.out.trim(), "one a,b")
    const built = statSync(bundle).mtimeMs
    const again = await launch()
    assert.strictEqual(again.out.trim(), "one")
    assert.strictEqual(statSync(bundle).mtimeMs, built, "not rebuilt while nothing changed")
    writeEntry("two")
    const changed = await launch()
    assert.strictEqual(changed.out.trim(), "two")
    assert.isAbove(statSync(bundle).mtimeMs, built)
  }, 90_000)

  it("takes over a lock left by a launch that died, and waits for a live one", async () => {
    writeEntry("three")
    writeFileSync(lock, "999999999") // no such process
    const afterDead = await launch()
    assert.strictEqual(afterDead.code, 0, afterDead.err)
    assert.strictEqual(afterDead.out.trim(), "three")
    // an empty lock (a launch that died between creating and naming it), a minute old
    writeEntry("three and a half")
    writeFileSync(lock, "")
    const old = new Date(Date.now() - 60_000)
    utimesSync(lock, old, old)
    assert.strictEqual((await launch()).out.trim(), "three and a half")
    writeEntry("four")
    writeFileSync(lock, String(process.pid)) // this test process: alive, so the launch waits
    const waiting = launch()
    await new Promise((r) => setTimeout(r, 1_000))
    assert.strictEqual(readFileSync(lock, "utf8"), String(process.pid), "the live lock was left alone")
    rmSync(lock)
    const r = await waiting
    assert.strictEqual(r.out.trim(), "four")
    assert.include(r.err, "waiting for another launch's build")
  }, 90_000)

  it("launches at the same time on a stale bundle all run the new code", async () => {
    writeEntry("five")
    const rs = await Promise.all([launch("1"), launch("2"), launch("3")])
    assert.deepStrictEqual(
      rs.map((r) => [r.code, r.out.trim()]),
      [
        [0, "five 1"],
        [0, "five 2"],
        [0, "five 3"]
      ]
    )
  }, 90_000)

  it("a source that does not compile: exit 1 with esbuild's message and one line, no stack; the lock is released", async () => {
    writeFileSync(entry, "const x: number = = 1\n")
    const r = await launch()
    assert.strictEqual(r.code, 1)
    assert.include(r.err, "alpha-hunter: cannot build the runner from its sources")
    assert.notInclude(r.err, "    at ")
    assert.isFalse(existsSync(lock))
    // nor is what the failed build wrote left behind
    assert.deepStrictEqual(
      readdirSync(pkg).filter((n) => n.startsWith(".launch-")),
      []
    )
    writeEntry("six")
    assert.strictEqual((await launch()).out.trim(), "six")
  }, 90_000)

  it("rebuilds after an install (the bundle names installed files by path) and for a checkout moved elsewhere", async () => {
    writeEntry("seven")
    assert.strictEqual((await launch()).out.trim(), "seven")
    const built = statSync(bundle).mtimeMs
    assert.strictEqual((await launch()).out.trim(), "seven")
    assert.strictEqual(statSync(bundle).mtimeMs, built)
    // an install rewrites pnpm's record of it
    const modules = resolve(import.meta.dirname, "..", "..", "..", "node_modules", ".modules.yaml")
    const now = new Date()
    utimesSync(modules, now, now)
    await launch()
    const afterInstall = statSync(bundle).mtimeMs
    assert.isAbove(afterInstall, built)
    // the same bundle found under another path
    const stamp = join(pkg, ".launch", "inputs.json")
    writeFileSync(stamp, JSON.stringify({ ...JSON.parse(readFileSync(stamp, "utf8")), at: "/somewhere/else" }))
    assert.strictEqual((await launch()).out.trim(), "seven")
    assert.isAbove(statSync(bundle).mtimeMs, afterInstall)
  }, 90_000)
})
