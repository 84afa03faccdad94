import { kindOf, nameOf, type LiveObject } from './fields.ts'

// Pure: objects a plan names as never to be waited for, as `Kind/name`.

/** A kind (`Deployment`, `Certificate`) and an object name (no `/`, no spaces). */
const ENTRY = /^[A-Za-z][A-Za-z0-9]*\/[^/\s]+$/

export function isIgnoreEntry(text: string): boolean {
  return ENTRY.test(text)
}

export function isIgnored(object: LiveObject, ignore: readonly string[]): boolean {
  return ignore.includes(`${kindOf(object)}/${nameOf(object)}`)
}
