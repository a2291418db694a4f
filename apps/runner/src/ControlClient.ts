/**
 * The control API's client side, for the CLI: find the bot running on a journal (the address and token it
 * published next to it) and call it. Apart from `Control.ts` (the server) so that `status`, `pause`,
 * `resume` and `halt` load only this, not the run's modules.
 */
import * as fs from "node:fs"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export class ControlError extends Schema.TaggedError<ControlError>()("ControlError", { message: Schema.String }) {}

/** What a running bot publishes in `<journal>.control.json` (mode 0600). */
export interface Published {
  readonly url: string
  readonly pid: number
  readonly token?: string
}

/** The published address of a running bot on this journal, if one runs. */
export const find = (journalPath: string): Published | undefined => {
  try {
    const p = JSON.parse(fs.readFileSync(`${journalPath}.control.json`, "utf8")) as Published
    process.kill(p.pid, 0)
    return p
  } catch {
    return undefined
  }
}

/** One call to a running bot's API. */
export const call = (p: Published, method: "GET" | "POST", path: string, body?: unknown) =>
  Effect.tryPromise({
    try: async () => {
      const r = await fetch(`${p.url}${path}`, {
        method,
        headers: {
          "content-type": "application/json",
          ...(p.token !== undefined ? { authorization: `Bearer ${p.token}` } : {})
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {})
      })
      const json = (await r.json()) as Record<string, unknown>
      if (!r.ok) throw new Error(String(json["error"] ?? `HTTP ${r.status}`))
      return json
    },
    catch: (e) => new ControlError({ message: `the running bot at ${p.url}: ${(e as Error).message}` })
  })
