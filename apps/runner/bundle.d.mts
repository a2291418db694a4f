/** the runner's CLI entry */
export declare const runnerMain: string
/** Bundles `entry` into `outdir`; returns the source files it was built from (absolute paths). */
export declare const bundleRunner: (entry: string, outdir: string) => Promise<ReadonlyArray<string>>
/** whether a process runs (EPERM: it runs, as another user) */
export declare const alive: (pid: number) => boolean
