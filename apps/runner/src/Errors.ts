/** One line for any error a user sees: its tag and message, never a stack trace. */
export const errorText = (e: unknown): string => {
  if (typeof e === "object" && e !== null && "_tag" in e) {
    const tag = String((e as { _tag: unknown })._tag)
    const msg = "message" in e ? String((e as { message: unknown }).message) : ""
    return msg ? `${tag}: ${msg}` : tag
  }
  return String(e)
}
