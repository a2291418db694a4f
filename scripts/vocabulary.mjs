#!/usr/bin/env node
// Compliance vocabulary check. Kalshi is a CFTC-regulated exchange: code, comments, logs, CLI output and
// docs say position / contract / trade / market price / probability / prediction / settlement.
// This file is the one place that lists the banned terms. Venue wire field names that contain one are
// the only other exceptions, and each is listed in ALLOWED below.
//
// Usage: node scripts/vocabulary.mjs [dir]   (scans git-tracked and untracked, non-ignored text files)
import { execFileSync } from "node:child_process"
import { readFileSync, statSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

// banned terms (word boundaries, any case):
const BANNED = /\b(bets?|betting|bettors?|wager(s|ed|ing)?|odds|gambl(e|es|ed|ing|er|ers)|payouts?)\b/gi

// Exact venue wire field names that may contain a banned term (none needed so far).
const ALLOWED = new Set([])

const SELF = fileURLToPath(import.meta.url)
const SKIP = /(^|\/)(pnpm-lock\.yaml|package-lock\.json)$|\.(png|jpg|jpeg|gif|ico|sqlite|db|woff2?)$/

export const scan = (dir) => {
  const root = resolve(dir)
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
    .split("\0")
    .filter((f) => f.length > 0 && !SKIP.test(f))
  const hits = []
  for (const file of files) {
    const path = join(root, file)
    if (resolve(path) === SELF) continue
    let text
    try {
      if (!statSync(path).isFile()) continue
      text = readFileSync(path, "utf8")
    } catch {
      continue // deleted in the work tree
    }
    if (text.includes("\0")) continue // binary
    const lines = text.split("\n")
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]
      for (const m of line.matchAll(BANNED)) {
        const token = wordAround(line, m.index, m[0].length)
        if (ALLOWED.has(token)) continue
        hits.push({ file: relative(root, path), line: i + 1, term: m[0], text: line.trim().slice(0, 160) })
      }
    }
  }
  return hits
}

// the identifier the match sits in (so an allowed wire field like `foo_term_bar` can be exempted exactly)
const wordAround = (line, index, length) => {
  let s = index
  let e = index + length
  while (s > 0 && /[\w.-]/.test(line[s - 1])) s--
  while (e < line.length && /[\w.-]/.test(line[e])) e++
  return line.slice(s, e)
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  const dir = process.argv[2] ?? "."
  const hits = scan(dir)
  for (const h of hits) console.log(`${h.file}:${h.line}: "${h.term}" — ${h.text}`)
  if (hits.length > 0) {
    console.error(
      `vocabulary: ${hits.length} banned term(s). Say position / contract / trade / market price / probability / settlement.`
    )
    process.exit(1)
  }
  console.log("vocabulary: no banned terms")
}
