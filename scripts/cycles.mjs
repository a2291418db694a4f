#!/usr/bin/env node
// Import-cycle check over every workspace package's sources (type-only imports are ignored, as in Effect's
// own scripts/circular.mjs). Exits non-zero and prints each cycle when one exists.
//
// Usage: node scripts/cycles.mjs [dir …]   (default: packages/*/src plugins/*/src apps/*/src)
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import madge from "madge"

const roots = process.argv.length > 2 ? process.argv.slice(2) : defaultRoots()

function defaultRoots() {
  const out = []
  for (const group of ["packages", "plugins", "apps", "bench"]) {
    if (!existsSync(group)) continue
    for (const name of readdirSync(group)) {
      const src = join(group, name, "src")
      if (existsSync(src)) out.push(src)
    }
    if (existsSync(join(group, "src"))) out.push(join(group, "src"))
  }
  return out
}

// 1. between workspace packages (their dependencies + devDependencies on each other)
const packageCycles = () => {
  const pkgs = new Map()
  for (const group of ["packages", "plugins", "apps", "bench"]) {
    if (!existsSync(group)) continue
    for (const name of readdirSync(group)) {
      const file = join(group, name, "package.json")
      if (!existsSync(file)) continue
      const j = JSON.parse(readFileSync(file, "utf8"))
      const deps = Object.keys({ ...j.dependencies, ...j.devDependencies }).filter((d) =>
        d.startsWith("@alpha-hunter/")
      )
      pkgs.set(j.name, deps)
    }
  }
  const found = []
  const visit = (name, stack) => {
    const i = stack.indexOf(name)
    if (i >= 0) {
      found.push([...stack.slice(i), name])
      return
    }
    for (const d of pkgs.get(name) ?? []) visit(d, [...stack, name])
  }
  for (const name of pkgs.keys()) visit(name, [])
  return found
}
const pc = process.argv.length > 2 ? [] : packageCycles()
if (pc.length > 0) {
  for (const c of pc) console.error(`package cycle: ${c.join(" → ")}`)
  process.exit(1)
}

// 2. between modules inside the packages' sources (imports of other packages are resolved by step 1)
const result = await madge(roots, {
  fileExtensions: ["ts", "mts", "mjs", "js"],
  excludeRegExp: [/node_modules/, /\.d\.ts$/, /(^|\/)dist\//],
  detectiveOptions: {
    ts: { skipTypeImports: true },
    tsx: { skipTypeImports: true },
    es6: { skipTypeImports: true }
  },
  tsConfig: "tsconfig.base.json"
})
const cycles = result.circular()
const files = Object.keys(result.obj()).length
if (cycles.length > 0) {
  for (const c of cycles) console.error(`cycle: ${c.join(" → ")}`)
  console.error(`cycles: ${cycles.length} import cycle(s) in ${files} files`)
  process.exit(1)
}
console.log(`cycles: none between packages, none in ${files} files`)
