/**
 * The runner bundled from its TypeScript sources by esbuild: what `launch.mjs` runs (`pnpm start` / `pnpm cli`)
 * and what the runner's tests spawn (`test/cliBundle.ts`). Workspace packages are bundled from source (the
 * "@alpha-hunter/source" condition); every installed package stays an import of its installed file. Beside the
 * entry (`main.js`): the sweep's worker (`sweepWorker.js`) and the journal's bulk writer (`journalWriter.mjs`),
 * which the runner starts from beside itself, as from `src/` and `src/internal/`.
 */
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const runner = dirname(fileURLToPath(import.meta.url))

/** the runner's CLI entry */
export const runnerMain = join(runner, "src/main.ts")

/** workspace packages are bundled from source; every other package stays an import of its installed file */
const installed = {
  name: "installed-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (a) => {
      if (a.path.startsWith("@alpha-hunter/") || a.pluginData === "resolving") return undefined
      if (a.path.startsWith("node:")) return { path: a.path, external: true }
      // resolved from the importing file (pnpm links each package's own dependencies beside it)
      const r = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, pluginData: "resolving" })
      return r.errors.length > 0 ? { errors: r.errors } : { path: r.path, external: true }
    })
  }
}

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  plugins: [installed],
  logLevel: "error"
}

/** Bundles `entry` into `outdir`; returns the source files it was built from (absolute paths). */
export const bundleRunner = async (entry, outdir) => {
  // loaded here, not with this module: a launch whose bundle is fresh never loads the compiler
  const { build } = await import("esbuild")
  const result = await build({
    ...common,
    entryPoints: { main: entry, sweepWorker: join(runner, "src/sweepWorker.ts") },
    outdir,
    conditions: ["@alpha-hunter/source"],
    metafile: true
  })
  // the writer built too, so that its own imports resolve from where they are installed, whatever is launched
  await build({
    ...common,
    entryPoints: [join(runner, "src/internal/journalWriter.mjs")],
    outfile: join(outdir, "journalWriter.mjs")
  })
  return Object.keys(result.metafile.inputs)
    .filter((i) => !i.includes("node_modules"))
    .map((i) => join(process.cwd(), i))
}

/** whether a process runs (EPERM: it runs, as another user) */
export const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return e.code === "EPERM"
  }
}
