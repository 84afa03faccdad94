import { createHash } from 'node:crypto'
import { loadAll } from 'js-yaml'
import type { DriftIgnore, FieldDrift } from '../types.ts'

// Pure: the objects of a release's manifest, and how a live object differs from
// one of them. Only what the manifest sets counts: a field the API server
// defaults, or another controller adds, is not in the manifest and so never drift.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

/** One object of `helm get manifest`. */
export interface DesiredObject {
  readonly apiVersion: string
  readonly kind: string
  readonly name: string
  /** As the manifest says; undefined lets the release namespace apply to namespaced kinds. */
  readonly namespace: string | undefined
  readonly body: JsonObject
}

/** The objects of a manifest (YAML documents); empty documents and lists' wrappers are skipped. */
export function manifestObjects(manifest: string): DesiredObject[] {
  const objects: DesiredObject[] = []
  for (const parsed of loadAll(manifest) as Json[]) {
    if (!isObject(parsed)) continue
    const items = parsed.kind === 'List' && Array.isArray(parsed.items) ? parsed.items : [parsed]
    for (const item of items) {
      if (!isObject(item) || !isObject(item.metadata)) continue
      const { apiVersion, kind } = item
      const { name, namespace } = item.metadata
      if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string')
        continue
      objects.push({
        apiVersion,
        kind,
        name,
        namespace: typeof namespace === 'string' ? namespace : undefined,
        body: item
      })
    }
  }
  return objects
}

/** The JSON pointers that the plan's `driftIgnore` rules set aside for one object. */
export function ignoredPaths(
  rules: readonly DriftIgnore[],
  object: Pick<DesiredObject, 'kind' | 'name'>
): string[] {
  return rules
    .filter(
      (r) => (r.kind ?? object.kind) === object.kind && (r.name ?? object.name) === object.name
    )
    .flatMap((r) => r.paths)
}

/** Fields of the manifest that the live object holds otherwise (or not at all). */
export function compareObject(
  desired: DesiredObject,
  live: JsonObject,
  ignore: readonly string[]
): FieldDrift[] {
  const secret = desired.kind === 'Secret' && desired.apiVersion === 'v1'
  const want = secret ? secretWithData(desired.body) : desired.body
  const fields: FieldDrift[] = []
  const show = (path: string, value: Json | undefined): string | undefined =>
    value === undefined ? undefined : secret && isSecretValue(path) ? digestOf(value) : short(value)
  const walk = (path: string, w: Json, h: Json | undefined): void => {
    if (ignore.some((p) => path === p || path.startsWith(`${p}/`))) return
    if (w === null) return
    if (isObject(w)) {
      const entries = Object.entries(w)
      if (entries.length === 0) return
      if (!isObject(h)) {
        fields.push({ path, want: show(path, w), have: show(path, h ?? undefined) })
        return
      }
      for (const [key, value] of entries) walk(`${path}/${escape(key)}`, value, h[key])
      return
    }
    if (Array.isArray(w)) {
      if (!Array.isArray(h) || h.length !== w.length) {
        fields.push({ path, want: show(path, w), have: show(path, h ?? undefined) })
        return
      }
      w.forEach((item, i) => walk(`${path}/${i}`, item, h[i]))
      return
    }
    if (!sameScalar(w, h)) fields.push({ path, want: show(path, w), have: show(path, h) })
  }
  for (const [key, value] of Object.entries(want)) {
    // The status is the cluster's; the manifest's own metadata is compared field by field.
    if (key === 'status') continue
    walk(`/${escape(key)}`, value, live[key])
  }
  return fields
}

/** YAML `port: "80"` and JSON `80` are the same value to the API server (int-or-string). */
function sameScalar(want: Json, have: Json | undefined): boolean {
  if (have === undefined || have === null || typeof have === 'object') return false
  return want === have || String(want) === String(have)
}

/** The API server stores `stringData` as base64 `data`: compare in that form. */
function secretWithData(body: JsonObject): JsonObject {
  const { stringData, ...rest } = body
  if (!isObject(stringData)) return body
  const data: JsonObject = isObject(rest.data) ? { ...rest.data } : {}
  for (const [key, value] of Object.entries(stringData))
    data[key] = Buffer.from(String(value)).toString('base64')
  return { ...rest, data }
}

function isSecretValue(path: string): boolean {
  return path === '/data' || path.startsWith('/data/')
}

/** A Secret value as `sha256:<12 hex>` of its decoded bytes: comparable, never readable. */
export function digestOf(value: Json): string {
  const bytes =
    typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(JSON.stringify(value))
  return `sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`
}

const SHORT = 80

function short(value: Json): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.length > SHORT ? `${text.slice(0, SHORT)}…` : text
}

function escape(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1')
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
