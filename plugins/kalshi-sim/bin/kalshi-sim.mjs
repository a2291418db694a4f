#!/usr/bin/env node
// Runs the compiled CLI when `dist/` exists, otherwise the TypeScript sources through tsx (Node 20 safe).
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const dist = new URL("../dist/cli.js", import.meta.url)
const src = fileURLToPath(new URL("../src/cli.ts", import.meta.url))
const argv = process.argv.slice(2)
if (existsSync(fileURLToPath(dist))) {
  const r = spawnSync(process.execPath, [fileURLToPath(dist), ...argv], { stdio: "inherit" })
  process.exit(r.status ?? 1)
} else {
  const tsx = import.meta.resolve("tsx")
  const r = spawnSync(process.execPath, ["--import", tsx, "--conditions=@alpha-hunter/source", src, ...argv], {
    stdio: "inherit"
  })
  process.exit(r.status ?? 1)
}
