import { createHash } from 'node:crypto'

/** The first 16 hex digits of a SHA-256: enough to tell two contents apart, never a secret's stand-in. */
export function contentDigest(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16)
}
