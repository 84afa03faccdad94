import { createHash } from 'node:crypto'
import { CORE_SCHEMA, dump, loadAll } from 'js-yaml'
import { redactObject } from './redact.ts'

// Pure: `helm template` output as Kubernetes objects, keyed by what identifies
// them in a cluster (apiVersion, kind, namespace, name). How the manifest is cut
// into documents, their order, key order and comments are no part of an object,
// so moving objects between files or reordering them is no change. Secrets are
// redacted here, before anything else sees the parsed objects.

export interface RenderedObject {
  /** `apps/v1 Deployment web/demo` */
  readonly key: string
  /** The object as YAML, keys sorted, Secret values replaced by digests. */
  readonly yaml: string
}

export class ManifestError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : ''
}

export function objectKey(object: Record<string, unknown>, namespace: string): string {
  const metadata = isRecord(object.metadata) ? object.metadata : {}
  const ns = text(metadata.namespace) || namespace
  const name = text(metadata.name) || text(metadata.generateName) || '?'
  return `${text(object.apiVersion) || '?'} ${text(object.kind) || '?'} ${ns}/${name}`
}

/**
 * Past this many characters a string (a 50 MB ConfigMap value) is kept as its head,
 * its length and a digest: js-yaml cannot write it (its regular expressions run out
 * of stack near 4 MB), and a change still shows as a changed digest.
 */
export const MAX_VALUE = 1024 * 1024
const HEAD = 1_000

function bounded(value: unknown): unknown {
  if (typeof value === 'string')
    return value.length > MAX_VALUE
      ? `${value.slice(0, HEAD)}… (${value.length} characters, sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)})`
      : value
  if (Array.isArray(value)) return value.map(bounded)
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, bounded(v)]))
  return value
}

export function canonicalYaml(object: Record<string, unknown>): string {
  return dump(object, { sortKeys: true, lineWidth: -1, noRefs: true, schema: CORE_SCHEMA })
}

/**
 * The objects of a manifest, sorted by key. `namespace` is the release's: helm
 * leaves it out of most templates. A `List` counts as its items. The same key
 * twice (a chart bug, or helm's own hooks) keeps both, numbered.
 */
export function parseManifest(manifest: string, namespace: string): RenderedObject[] {
  let documents: unknown[]
  try {
    documents = loadAll(manifest, null, { schema: CORE_SCHEMA }) as unknown[]
  } catch (error) {
    // The parser's message quotes the source, which may hold a Secret: only the line.
    const line = (error as { mark?: { line?: number } }).mark?.line
    throw new ManifestError(
      `the rendered manifest is not valid YAML${line === undefined ? '' : ` (line ${line + 1})`}`
    )
  }
  const objects = documents.flatMap((doc) =>
    isRecord(doc) && doc.kind === 'List' && Array.isArray(doc.items)
      ? doc.items.filter(isRecord)
      : isRecord(doc)
        ? [doc]
        : []
  )
  const seen = new Map<string, number>()
  const out = objects.map((raw): RenderedObject => {
    const object = bounded(redactObject(raw)) as Record<string, unknown>
    const base = objectKey(object, namespace)
    const count = (seen.get(base) ?? 0) + 1
    seen.set(base, count)
    return { key: count === 1 ? base : `${base} #${count}`, yaml: canonicalYaml(object) }
  })
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}
