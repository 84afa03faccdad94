import { createHmac, randomBytes } from 'node:crypto'

// A Secret's values never leave the process: each value of `data` and
// `stringData` becomes a short HMAC digest before the object is printed,
// diffed or counted. The key is random per run, so a digest tells only
// whether a value changed between base and head, not what it is (a short
// value cannot be found by hashing guesses).

const KEY = randomBytes(32)
const DIGEST_HEX = 12

export function secretDigest(value: string): string {
  return `<secret hmac:${createHmac('sha256', KEY).update(value).digest('hex').slice(0, DIGEST_HEX)}>`
}

const SECRET_FIELDS = ['data', 'stringData'] as const

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The object with every Secret value replaced by its digest; other objects as
 * they are. A Secret's field that is not a map (a chart bug) is replaced whole.
 */
export function redactObject(object: Record<string, unknown>): Record<string, unknown> {
  if (object.kind !== 'Secret') return object
  const out: Record<string, unknown> = { ...object }
  for (const field of SECRET_FIELDS) {
    const values = object[field]
    if (values === undefined || values === null) continue
    out[field] = isRecord(values)
      ? Object.fromEntries(
          Object.entries(values).map(([key, value]) => [
            key,
            secretDigest(typeof value === 'string' ? value : JSON.stringify(value))
          ])
        )
      : secretDigest(JSON.stringify(values))
  }
  // kubectl keeps a copy of the whole object in this annotation.
  const metadata = object.metadata
  if (isRecord(metadata) && isRecord(metadata.annotations)) {
    const annotations = { ...metadata.annotations }
    const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration'
    if (lastApplied in annotations)
      annotations[lastApplied] = secretDigest(String(annotations[lastApplied]))
    out.metadata = { ...metadata, annotations }
  }
  return out
}
