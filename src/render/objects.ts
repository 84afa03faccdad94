import { contentDigest } from './digest.ts'
import { CORE_SCHEMA, dump, loadAll } from 'js-yaml'
import { KUBE_YAML_SCHEMA } from './kube-yaml.ts'
import { redactObject } from './redact.ts'

// Pure: `helm template` output as Kubernetes objects, keyed by what identifies
// them in a cluster (apiVersion, kind, namespace, name). How the manifest is cut
// into documents, their order, key order and comments are no part of an object,
// so moving objects between files or reordering them is no change. Secrets are
// redacted here, before anything else sees the parsed objects.

export interface RenderedObject {
  /** `apps/v1 Deployment web/demo` */
  readonly key: string
  /** The object as YAML, keys sorted, Secret values replaced by digests; a hook's without its name. */
  readonly yaml: string
}

export class ManifestError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : ''
}

/** The events of an object's `helm.sh/hook` annotation, sorted; empty for no hook. */
function hookEvents(object: Record<string, unknown>): string[] {
  const metadata = isRecord(object.metadata) ? object.metadata : {}
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {}
  return text(annotations['helm.sh/hook'])
    .split(',')
    .map((event) => event.trim())
    .filter((event) => event !== '')
    .sort()
}

/** helm's test hooks (and Helm 2's names for them): only `helm test` creates them. */
function isTestHook(events: readonly string[]): boolean {
  return events.some((event) => /^test(?:-success|-failure)?$/.test(event))
}

/**
 * A hook is keyed by its events, not its name: charts name hooks anew on every
 * render (`randAlphaNum`), and a renamed hook is still the one the upgrade runs.
 */
export function objectKey(object: Record<string, unknown>, namespace: string): string {
  const metadata = isRecord(object.metadata) ? object.metadata : {}
  const ns = text(metadata.namespace) || namespace
  const events = hookEvents(object)
  const name = events.length
    ? `(hook ${events.join(',')})`
    : text(metadata.name) || text(metadata.generateName) || '?'
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
      ? `${value.slice(0, HEAD)}… (${value.length} characters, sha256:${contentDigest(value)})`
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
 * The objects an install or upgrade creates, sorted by key. `namespace` is the
 * release's: helm leaves it out of most templates. A `List` counts as its items.
 * Test hooks are left out. The same key twice (a chart bug, or several hooks of the
 * same kind and events) keeps both, numbered: objects in the manifest's order, hooks
 * in the order of their YAML.
 */
export function parseManifest(manifest: string, namespace: string): RenderedObject[] {
  let documents: unknown[]
  try {
    // As the API server gets it: `defaultMode: 0755` is 493 there, and in the preview.
    documents = loadAll(manifest, null, { schema: KUBE_YAML_SCHEMA }) as unknown[]
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
  // Charts name hooks anew on every render (`randAlphaNum`): a hook's name is no part
  // of it here, and hooks of one kind and events pair up by the rest of their YAML.
  const rendered = objects
    .filter((raw) => !isTestHook(hookEvents(raw)))
    .map((raw) => {
      const object = bounded(redactObject(raw)) as Record<string, unknown>
      const hook = hookEvents(object).length > 0
      const yaml = canonicalYaml(hook ? withoutName(object) : object)
      return { base: objectKey(object, namespace), yaml, order: hook ? yaml : '' }
    })
    .sort((a, b) => compare(a.base, b.base) || compare(a.order, b.order))
  const seen = new Map<string, number>()
  return rendered
    .map(({ base, yaml }): RenderedObject => {
      const count = (seen.get(base) ?? 0) + 1
      seen.set(base, count)
      return { key: count === 1 ? base : `${base} #${count}`, yaml }
    })
    .sort((a, b) => compare(a.key, b.key))
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function withoutName(object: Record<string, unknown>): Record<string, unknown> {
  const metadata = isRecord(object.metadata) ? { ...object.metadata } : {}
  delete metadata.name
  return { ...object, metadata }
}
