/**
 * Global setup for every package's tests: one temporary directory per test run, removed when the run ends.
 * Tests make their files (journals, tapes, keys, CLI workspaces) under `os.tmpdir()`; pointing `TMPDIR` here
 * before any test worker starts puts all of them — and those of the processes the tests start — in one place
 * that nothing outlives, instead of a few hundred directories left in the system's temp dir by every run.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export default function setup(): () => void {
  const before = process.env["TMPDIR"]
  const dir = mkdtempSync(join(tmpdir(), "alpha-hunter-test-"))
  process.env["TMPDIR"] = dir
  return () => {
    if (before === undefined) delete process.env["TMPDIR"]
    else process.env["TMPDIR"] = before
    rmSync(dir, { recursive: true, force: true })
  }
}
