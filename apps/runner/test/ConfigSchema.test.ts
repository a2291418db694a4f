import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Ajv } from "ajv"
import * as YAML from "yaml"
import { configJsonSchema } from "../src/ConfigSchema.js"
import { registry } from "../src/Plugins.js"

const schema = configJsonSchema(registry)
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema)
const shipped = (name: string) => YAML.parse(readFileSync(new URL(`../config/${name}`, import.meta.url), "utf8"))

describe("the config's JSON Schema (for editors)", () => {
  it("accepts every shipped config", () => {
    for (const name of ["sim.yaml", "demo.yaml", "paper.yaml", "two-venues.yaml"]) {
      assert.isTrue(validate(shipped(name)), `${name}: ${JSON.stringify(validate.errors)}`)
    }
  })
  it("checks inside every plugin's section, not only the envelope", () => {
    const base = shipped("sim.yaml")
    const cases: ReadonlyArray<[string, unknown]> = [
      ["a venue key its plugin does not have", { ...base, venues: { sim: { type: "kalshi-sim", colour: "blue" } } }],
      ["an unknown venue plugin", { ...base, venues: { x: { type: "nowhere" } } }],
      [
        "a strategy setting of the wrong type",
        {
          ...base,
          strategies: { mm: { ...base.strategies.mm, params: { ...base.strategies.mm.params, minSpreadTicks: "two" } } }
        }
      ],
      ["a risk limit of the wrong type", { ...base, risk: { global: { maxOrderSize: 5 } } }]
    ]
    for (const [what, config] of cases) assert.isFalse(validate(config), what)
  })
})
