// What a thrown value says, whatever was thrown: every folder of src/ may import this.

/** The message of an Error, or the thrown value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The thrown value as an Error (a rejection handler or a Promise's reject wants one). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
