/**
 * The worker thread of a bulk-loaded journal (`bulkWriter.ts` starts it; plain JavaScript, so it starts in
 * ~0.1 s from the sources as from the build, with no TypeScript loader of its own): inserts the rows it is
 * sent, in the order sent, each batch one transaction on its own connection, and counts what it has done in
 * the shared status words the loading thread waits on (`Atomics.wait`: a backtest runs as one synchronous
 * call, so no message could reach it). The first failure stops it: nothing after it is written, and its text
 * is sent on the errors port for the loading thread to read synchronously (`receiveMessageOnPort`).
 * Everything it needs (the statements, the row width, the word indexes) comes in `workerData`.
 */
import { parentPort, workerData } from "node:worker_threads"

const { path, status, errors, columns, rows, insertOne, insertMany, words } = workerData
const state = new Int32Array(status)

const signal = (word) => {
  Atomics.add(state, word, 1)
  Atomics.notify(state, word)
}

const fail = (what, cause) => {
  if (Atomics.load(state, words.failed) === 1) return
  errors.postMessage(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`)
  Atomics.store(state, words.failed, 1)
  Atomics.notify(state, words.applied)
  Atomics.notify(state, words.closed)
}

let db
let insert
try {
  // loaded here, not imported: a module that does not load is this writer's failure, answered at once
  const { default: Database } = await import("libsql")
  db = new Database(path)
  db.pragma("synchronous = OFF")
  const one = db.prepare(insertOne)
  const many = db.prepare(insertMany)
  const width = rows * columns
  insert = db.transaction((values) => {
    let i = 0
    // `rows` rows to a statement (one call into SQLite), the rest one by one: rows keep the order they were sent
    for (; i + width <= values.length; i += width) many.run(values.slice(i, i + width))
    for (; i < values.length; i += columns) one.run(values.slice(i, i + columns))
  })
} catch (e) {
  fail("cannot open the journal for bulk writes", e)
}

parentPort.on("message", (m) => {
  if (m === "close") {
    try {
      db?.close()
    } catch (e) {
      fail("cannot close the journal's bulk writer", e)
    }
    signal(words.closed)
    parentPort.close()
    errors.close()
    return
  }
  if (Atomics.load(state, words.failed) === 0 && insert !== undefined) {
    try {
      insert(m)
    } catch (e) {
      fail(`cannot append ${m.length / columns} entries`, e)
    }
  }
  signal(words.applied)
})
