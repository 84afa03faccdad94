import { loadAll } from 'js-yaml'
import { KUBE_YAML_SCHEMA } from '../render/kube-yaml.ts'
import { secretDigest, redactObject } from '../render/redact.ts'
import type { DriftIgnore } from '../types/plan.ts'
import type { FieldDrift } from '../types/results.ts'

// Pure: the objects of a release's manifest, and how a live object differs from
// one of them. Only what the manifest sets counts: a field the API server
// defaults, or another controller adds, is not in the manifest and so never drift.
// The API server does not store a zero value (`minReadySeconds: 0`, `false`, `""`,
// `[]`) of an `omitempty` field: an absent live field equals a zero in the manifest.
// The manifest is read as the API server got it (render/kube-yaml.ts: `0755` is 493).

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
  for (const parsed of loadAll(manifest, null, { schema: KUBE_YAML_SCHEMA }) as Json[]) {
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

/** Whether a value holds a secret: such a field is reported by digest only. */
export type SecretTest = (text: string) => boolean

/**
 * Fields of the manifest that the live object holds otherwise (or not at all).
 * Secrets are compared as the preview shows them, each value a keyed digest, and
 * a field whose wanted or live value holds a secret shows both as digests.
 */
export function compareObject(
  desired: DesiredObject,
  live: JsonObject,
  ignore: readonly string[],
  holdsSecret: SecretTest = () => false
): FieldDrift[] {
  const v1Secret = desired.kind === 'Secret' && desired.apiVersion === 'v1'
  const want = redactObject(v1Secret ? secretWithData(desired.body) : desired.body) as JsonObject
  const have = redactObject(live) as JsonObject
  const fields: FieldDrift[] = []
  const drifted = (path: string, w: Json, h: Json | undefined): void => {
    const texts = [textOf(w), h === undefined || h === null ? undefined : textOf(h)] as const
    const secret = texts.some((t) => t !== undefined && holdsSecret(t))
    const [wantText, haveText] = texts.map((t) =>
      t === undefined ? undefined : secret ? secretDigest(t) : short(t)
    )
    fields.push({ path, want: wantText, have: haveText })
  }
  const walk = (path: string, w: Json, h: Json | undefined): void => {
    if (ignore.some((p) => path === p || path.startsWith(`${p}/`))) return
    if (w === null) return
    if ((h === undefined || h === null) && isZero(w)) return
    if (isObject(w)) {
      const entries = Object.entries(w)
      if (entries.length === 0) return
      if (!isObject(h)) return drifted(path, w, h)
      for (const [key, value] of entries) walk(`${path}/${escape(key)}`, value, h[key])
      return
    }
    if (Array.isArray(w)) {
      if (!Array.isArray(h) || h.length !== w.length) return drifted(path, w, h)
      w.forEach((item, i) => walk(`${path}/${i}`, item, h[i]))
      return
    }
    if (!sameScalar(w, h)) drifted(path, w, h)
  }
  for (const [key, value] of Object.entries(want)) {
    // The status is the cluster's; the manifest's own metadata is compared field by field.
    if (key === 'status') continue
    walk(`/${escape(key)}`, value, have[key])
  }
  return fields
}

/** What the API server leaves out of an `omitempty` field: zero, false, "", [], or an object of such. */
function isZero(value: Json): boolean {
  if (value === null || value === 0 || value === false || value === '') return true
  if (Array.isArray(value)) return value.length === 0
  return isObject(value) && Object.values(value).every(isZero)
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

function textOf(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

const SHORT = 80

function short(text: string): string {
  return text.length > SHORT ? `${text.slice(0, SHORT)}…` : text
}

function escape(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1')
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
