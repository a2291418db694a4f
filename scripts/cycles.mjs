#!/usr/bin/env node
// Import-cycle check over every workspace package's sources (type-only imports are ignored, as in Effect's
// own scripts/circular.mjs). Exits non-zero and prints each cycle when one exists.
//
// Usage: node scripts/cycles.mjs [dir …]   (default: packages/*/src plugins/*/src apps/*/src)
import { existsSync, readdirSync } from "node:fs"
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
const unresolved = result.warnings().skipped ?? []
console.log(
  `cycles: none in ${files} files${unresolved.length ? ` (${unresolved.length} external imports skipped)` : ""}`
)
