/**
 * Kalshi request signing, public: the pre-sign text (`timestamp + METHOD + path`, no query) and the
 * signature (RSA-PSS/SHA-256 with salt = digest length, or pure Ed25519; base64). The plugin signs every
 * REST request and the WebSocket handshake with these; benchmarks and tools can use them too.
 */
export { presignText, signWith } from "./internal/sign.js"
