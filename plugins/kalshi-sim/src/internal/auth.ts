/** Server-side verification of Kalshi request signatures (REFERENCE §2). */
import * as crypto from "node:crypto"

export interface RegisteredKey {
  readonly keyId: string
  readonly userId: string
  readonly key: crypto.KeyObject
}

export interface AuthWindow {
  /** how far in the past a timestamp may be (ms) */
  readonly pastMs: number
  /** how far in the future a timestamp may be (ms) */
  readonly futureMs: number
}

export type AuthFailure = "missing_signature" | "unknown_key" | "timestamp" | "bad_signature"

export type AuthResult =
  | { readonly ok: true; readonly key: RegisteredKey }
  | { readonly ok: false; readonly failure: AuthFailure }

export const errorBody = (f: AuthFailure): unknown => {
  switch (f) {
    case "missing_signature":
      return {
        error: { code: "signature_is_missing_from_headers", message: "signature is missing from headers" }
      }
    case "unknown_key":
      return { error: { code: "authentication_error", message: "authentication_error", details: "NOT_FOUND" } }
    case "timestamp":
      return { error: { code: "header_timestamp_expired", message: "header timestamp expired" } }
    case "bad_signature":
      return {
        error: {
          code: "authentication_error",
          message: "authentication_error",
          details: "INCORRECT_API_KEY_SIGNATURE"
        }
      }
  }
}

export const parsePublicKey = (pem: string): crypto.KeyObject => {
  const key = crypto.createPublicKey(pem)
  const t = key.asymmetricKeyType
  if (t !== "rsa" && t !== "ed25519") throw new Error(`unsupported key type ${String(t)}`)
  return key
}

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}

/** Verify headers for `method` + `path` (path without query, including the `/trade-api/...` prefix). */
export const verify = (
  keys: ReadonlyMap<string, RegisteredKey>,
  headers: Record<string, string | string[] | undefined>,
  method: string,
  path: string,
  nowMs: number,
  window: AuthWindow
): AuthResult => {
  const sig = header(headers, "kalshi-access-signature")
  const keyId = header(headers, "kalshi-access-key")
  const ts = header(headers, "kalshi-access-timestamp")
  if (sig === undefined || sig === "") return { ok: false, failure: "missing_signature" }
  const key = keyId === undefined ? undefined : keys.get(keyId)
  if (key === undefined) return { ok: false, failure: "unknown_key" }
  if (ts === undefined || !/^\d{1,16}$/.test(ts)) return { ok: false, failure: "timestamp" }
  const t = Number(ts)
  if (t < nowMs - window.pastMs || t > nowMs + window.futureMs) return { ok: false, failure: "timestamp" }
  const data = Buffer.from(`${ts}${method}${path}`)
  let good = false
  try {
    const sigBuf = Buffer.from(sig, "base64")
    good =
      key.key.asymmetricKeyType === "ed25519"
        ? crypto.verify(null, data, key.key, sigBuf)
        : crypto.verify(
            "sha256",
            data,
            {
              key: key.key,
              padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
              saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST
            },
            sigBuf
          )
  } catch {
    good = false
  }
  return good ? { ok: true, key } : { ok: false, failure: "bad_signature" }
}
