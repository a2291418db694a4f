/**
 * Global setup for every package's tests: one temporary directory per test run, removed when the run ends.
 * Tests make their files (journals, tapes, keys, CLI workspaces) under `os.tmpdir()`; pointing `TMPDIR` here
 * before any test worker starts puts all of them — and those of the processes the tests start — in one place
 * that nothing outlives, instead of a few hundred directories left in the system's temp dir by every run.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const MARK = "ALPHA_HUNTER_TEST_TMP"

export default function setup(): () => void {
  // a package with several vitest projects runs this once per project in one process: the first one's
  // directory serves them all (nesting would also lengthen paths past a Unix socket's 107 bytes: Chromium
  // puts its singleton socket under TMPDIR)
  if (process.env[MARK] !== undefined) return () => {}
  const before = process.env["TMPDIR"]
  // short: the paths under it stay far from that limit
  const dir = mkdtempSync(join(tmpdir(), "aht-"))
  process.env["TMPDIR"] = dir
  process.env[MARK] = dir
  return () => {
    if (before === undefined) delete process.env["TMPDIR"]
    else process.env["TMPDIR"] = before
    delete process.env[MARK]
    rmSync(dir, { recursive: true, force: true })
  }
}
