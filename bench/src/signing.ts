/**
 * Benchmark 6 — request signing. Every Kalshi request carries a signature over `timestamp + METHOD + path`:
 * RSA-PSS/SHA-256 (salt = digest length, 2048-bit key) or pure Ed25519.
 *
 * The signer is the plugin's own (`KalshiSigning.signWith`); the signatures are verified against the public key.
 */

import * as crypto from "node:crypto"
import { KalshiSigning } from "@alpha-hunter/kalshi"
import { median, nowNs, p99, sig } from "./stats.js"

export const signWith = KalshiSigning.signWith

export interface SigningOptions {
  /** measuring time per key type and round, ms */
  readonly msPerRound: number
  readonly rounds: number
  readonly log: (line: string) => void
}

const measure = (key: crypto.KeyObject, ms: number) => {
  const path = "/trade-api/v2/portfolio/events/orders"
  const lat: Array<number> = []
  const t0 = nowNs()
  const end = t0 + ms * 1e6
  let n = 0
  let ts = 1_790_000_000_000
  let t = t0
  while (t < end) {
    const s0 = t
    signWith(key, `${ts++}POST${path}`)
    t = nowNs()
    lat.push((t - s0) / 1000)
    n++
  }
  return { perS: (n / (t - t0)) * 1e9, lat }
}

export const run = (o: SigningOptions) => {
  const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  const ed = crypto.generateKeyPairSync("ed25519")
  // correctness: both signatures verify as Kalshi verifies them
  const text = "1790000000000POST/trade-api/v2/portfolio/events/orders"
  const okRsa = crypto.verify(
    "sha256",
    Buffer.from(text),
    { key: rsa.publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    Buffer.from(signWith(rsa.privateKey, text), "base64")
  )
  const okEd = crypto.verify(
    null,
    Buffer.from(text),
    ed.publicKey,
    Buffer.from(signWith(ed.privateKey, text), "base64")
  )
  measure(rsa.privateKey, 100)
  measure(ed.privateKey, 100)
  const rsaRounds: Array<number> = []
  const edRounds: Array<number> = []
  const rsaLat: Array<number> = []
  const edLat: Array<number> = []
  for (let r = 0; r < o.rounds; r++) {
    const a = measure(rsa.privateKey, o.msPerRound)
    const b = measure(ed.privateKey, o.msPerRound)
    rsaRounds.push(a.perS)
    edRounds.push(b.perS)
    rsaLat.push(...a.lat)
    edLat.push(...b.lat)
    o.log(`signing: round ${r + 1}/${o.rounds}: rsa-pss ${Math.round(a.perS)}/s, ed25519 ${Math.round(b.perS)}/s`)
  }
  return {
    rsa_per_s: Math.round(median(rsaRounds)),
    ed25519_per_s: Math.round(median(edRounds)),
    rsa_p50_us: sig(median(rsaLat)),
    rsa_p99_us: sig(p99(rsaLat)),
    ed25519_p50_us: sig(median(edLat)),
    ed25519_p99_us: sig(p99(edLat)),
    verified: okRsa && okEd,
    rounds: o.rounds
  }
}

export type SigningResult = ReturnType<typeof run>
