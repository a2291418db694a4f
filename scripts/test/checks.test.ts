import { execFileSync, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { assert, describe, it } from "@effect/vitest"

const here = resolve(import.meta.dirname, "..")
const repoRoot = resolve(here, "..")

const gitRepo = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), "ah-check-"))
  execFileSync("git", ["init", "-q"], { cwd: dir })
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

const run = (script: string, args: ReadonlyArray<string>, cwd: string) =>
  spawnSync(process.execPath, [join(here, script), ...args], { cwd, encoding: "utf8" })

describe("vocabulary check", () => {
  it("passes on clean text", () => {
    const dir = gitRepo({ "README.md": "Rest a YES bid at the market price; the contract settles at $1.\n" })
    const r = run("vocabulary.mjs", [dir], dir)
    assert.strictEqual(r.status, 0, r.stdout + r.stderr)
  })

  it("fails on a planted word, naming file, line and term, in any case", () => {
    // assembled at run time so this file itself stays clean
    const w = (...parts: ReadonlyArray<string>) => parts.join("")
    const planted = [
      w("The Od", "ds are good."),
      w("place a WA", "GER"),
      w("gamb", "ling"),
      w("pay", "outs here"),
      w("we b", "et on it")
    ]
    for (const text of planted) {
      const dir = gitRepo({ "src/a.ts": `// fine\n// ${text}\n` })
      const r = run("vocabulary.mjs", [dir], dir)
      assert.strictEqual(r.status, 1, text)
      assert.include(r.stdout, "src/a.ts:2:")
    }
  })

  it("matches whole words only", () => {
    const dir = gitRepo({ "a.ts": "const alphabet = 1 // Tibet, oddsmaker-free: abet, betake\n" })
    const r = run("vocabulary.mjs", [dir], dir)
    assert.strictEqual(r.status, 0, r.stdout)
  })

  it("passes on this repository", () => {
    const r = run("vocabulary.mjs", [repoRoot], repoRoot)
    assert.strictEqual(r.status, 0, r.stdout + r.stderr)
  })
})

describe("cycle check", () => {
  const withTs = (files: Record<string, string>) => {
    const dir = gitRepo({ ...files, "tsconfig.base.json": "{}" })
    symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"))
    return dir
  }

  it("fails on an import cycle", () => {
    const dir = withTs({
      "src/A.ts": 'import { b } from "./B.js"\nexport const a = () => b\n',
      "src/B.ts": 'import { a } from "./A.js"\nexport const b = 1\nexport const c = a\n'
    })
    const r = run("cycles.mjs", ["src"], dir)
    assert.strictEqual(r.status, 1)
    assert.include(r.stderr, "A.ts → B.ts")
  })

  it("ignores type-only imports", () => {
    const dir = withTs({
      "src/A.ts": 'import type { B } from "./B.js"\nexport type A = B\n',
      "src/B.ts": 'import type { A } from "./A.js"\nexport type B = A | 1\n'
    })
    const r = run("cycles.mjs", ["src"], dir)
    assert.strictEqual(r.status, 0, r.stderr)
  })

  it("fails on a cycle between workspace packages", () => {
    const pkg = (name: string, dep: string) => JSON.stringify({ name, dependencies: { [dep]: "workspace:*" } })
    const dir = withTs({
      "packages/a/package.json": pkg("@alpha-hunter/a", "@alpha-hunter/b"),
      "packages/b/package.json": pkg("@alpha-hunter/b", "@alpha-hunter/a")
    })
    const r = run("cycles.mjs", [], dir)
    assert.strictEqual(r.status, 1)
    assert.include(r.stderr, "package cycle: @alpha-hunter/a → @alpha-hunter/b → @alpha-hunter/a")
  })
})
