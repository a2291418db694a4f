/** Regenerates `bench/results/README-section.md` and the README block from `bench/results/latest.json`. */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Report from "./report.js"

const file = path.join(Report.resultsDir, "latest.json")
const results = JSON.parse(fs.readFileSync(file, "utf8")) as Report.Results
console.log(Report.table(Report.rows(results)))
console.log(Report.updateReadme(results))
