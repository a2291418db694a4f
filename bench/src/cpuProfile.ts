/**
 * Reading a V8 CPU profile (`node --cpu-prof`): how much CPU time went to the code of some files, counting
 * everything that code called (a sample is theirs when any frame of its stack is in one of those files).
 * Robust to a loaded machine where a with/without CPU difference is not: the profiler samples only while the
 * process's thread runs, so another process's load does not land in anyone's share.
 */
import * as fs from "node:fs"
import * as path from "node:path"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string }
  readonly children?: ReadonlyArray<number>
}

export interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly startTime: number
  readonly endTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

export interface Attribution {
  /** ms of samples with a frame in the matched files */
  readonly matchedMs: number
  /** ms of samples the garbage collector took (anyone's) */
  readonly gcMs: number
  /** ms of samples the thread was busy (everything but idle) */
  readonly busyMs: number
  /** the profile's span, ms */
  readonly spanMs: number
}

/** Attributes a profile's samples to the files whose URL matches `files`. */
export const attribute = (profile: Profile, files: RegExp): Attribution => {
  const byId = new Map<number, ProfileNode>()
  for (const n of profile.nodes) byId.set(n.id, n)
  const matched = new Set<number>()
  // the root is the first node; a node is matched when it or an ancestor is in the files
  const stack: Array<[number, boolean]> = [[profile.nodes[0]!.id, false]]
  while (stack.length > 0) {
    const [id, inherited] = stack.pop()!
    const node = byId.get(id)
    if (node === undefined) continue
    const here = inherited || files.test(node.callFrame.url)
    if (here) matched.add(id)
    for (const c of node.children ?? []) stack.push([c, here])
  }
  let matchedUs = 0
  let gcUs = 0
  let idleUs = 0
  // sample i's time is the delta to the next sample (the last one: none)
  for (let i = 0; i < profile.samples.length - 1; i++) {
    const id = profile.samples[i]!
    const dt = profile.timeDeltas[i + 1]!
    if (matched.has(id)) matchedUs += dt
    const name = byId.get(id)?.callFrame.functionName
    if (name === "(garbage collector)") gcUs += dt
    else if (name === "(idle)") idleUs += dt
  }
  const spanUs = profile.endTime - profile.startTime
  return { matchedMs: matchedUs / 1000, gcMs: gcUs / 1000, busyMs: (spanUs - idleUs) / 1000, spanMs: spanUs / 1000 }
}

/** The one `.cpuprofile` a process wrote into `dir`. */
export const readOne = (dir: string): Profile => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))
  if (files.length !== 1) throw new Error(`expected one CPU profile in ${dir}, found ${files.length}`)
  return JSON.parse(fs.readFileSync(path.join(dir, files[0]!), "utf8")) as Profile
}
