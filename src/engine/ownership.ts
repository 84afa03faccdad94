import { createHmac, timingSafeEqual } from 'node:crypto'

// Pure: the proof that a release revision is this action's. A label anyone who may
// write Secrets in the namespace can copy or forge, so it is a keyed signature of
// what identifies the revision, with a key only the workflow holds.

/** What a signature binds: copied to another release, namespace or revision it does not verify. */
export interface SignedRevision {
  readonly namespace: string
  readonly release: string
  readonly revision: number
  /** The digest of what the plan deployed (the marker's). */
  readonly digest: string
}

/** HMAC-SHA256 of the revision's identity, 32 hex digits (a label value holds at most 63). */
export function ownershipSignature(key: string, revision: SignedRevision): string {
  const text = [revision.namespace, revision.release, String(revision.revision), revision.digest]
  return createHmac('sha256', key).update(text.join('\n')).digest('hex').slice(0, 32)
}

/** Whether the label is the revision's signature under the key (compared in constant time). */
export function ownershipVerifies(
  key: string,
  revision: SignedRevision,
  signature: string | undefined
): boolean {
  if (signature === undefined) return false
  const want = Buffer.from(ownershipSignature(key, revision))
  const have = Buffer.from(signature)
  return have.length === want.length && timingSafeEqual(have, want)
}
