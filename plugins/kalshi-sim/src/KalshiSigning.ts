/**
 * Client-side signing helpers (node:crypto only) for raw test clients and tools: they produce the three
 * `KALSHI-ACCESS-*` headers exactly as REFERENCE §2.1 describes. Independent from any Kalshi plugin.
 */
import * as crypto from "node:crypto"

export interface Credentials {
  readonly keyId: string
  readonly privateKeyPem: string
}

/** Pre-sign text: `timestamp_ms + METHOD + path` (path includes `/trade-api/v2`, excludes the query). */
export const presign = (timestampMs: number | string, method: string, pathWithQuery: string): string => {
  const q = pathWithQuery.indexOf("?")
  const path = q === -1 ? pathWithQuery : pathWithQuery.slice(0, q)
  return `${timestampMs}${method.toUpperCase()}${path}`
}

const keyCache = new Map<string, crypto.KeyObject>()
const privateKey = (pem: string): crypto.KeyObject => {
  let k = keyCache.get(pem)
  if (k === undefined) {
    k = crypto.createPrivateKey(pem)
    keyCache.set(pem, k)
  }
  return k
}

/** Base64 signature: RSA-PSS/SHA-256 with salt = digest length, or pure Ed25519, depending on the key. */
export const sign = (privateKeyPem: string, text: string): string => {
  const key = privateKey(privateKeyPem)
  const data = Buffer.from(text)
  if (key.asymmetricKeyType === "ed25519") return crypto.sign(null, data, key).toString("base64")
  return crypto
    .sign("sha256", data, {
      key,
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST
    })
    .toString("base64")
}

/** The three auth headers for a request. `timestampMs` defaults to the wall clock. */
export const signHeaders = (
  creds: Credentials,
  method: string,
  pathWithQuery: string,
  timestampMs: number = Date.now()
): Record<string, string> => ({
  "KALSHI-ACCESS-KEY": creds.keyId,
  "KALSHI-ACCESS-TIMESTAMP": String(timestampMs),
  "KALSHI-ACCESS-SIGNATURE": sign(creds.privateKeyPem, presign(timestampMs, method, pathWithQuery))
})

export interface GeneratedKey {
  readonly privateKeyPem: string
  readonly publicKeyPem: string
}

/** Kalshi-style key pair: RSA 2048 (PKCS#1 private PEM) or Ed25519 (PKCS#8 private PEM). */
export const generateKeyPair = (type: "rsa" | "ed25519" = "rsa"): GeneratedKey => {
  if (type === "ed25519") {
    const { privateKey: pk, publicKey } = crypto.generateKeyPairSync("ed25519")
    return {
      privateKeyPem: pk.export({ type: "pkcs8", format: "pem" }).toString(),
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString()
    }
  }
  const { privateKey: pk, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  return {
    privateKeyPem: pk.export({ type: "pkcs1", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString()
  }
}
