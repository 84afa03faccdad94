// Pure: fields of an object as the API server returned it. Nothing about its shape
// can be trusted, so a missing or mistyped field reads as the given default (as
// kstatus reads them) instead of throwing.

export type LiveObject = Readonly<Record<string, unknown>>

/** A status condition as most controllers write it; missing parts read as ''. */
export interface Condition {
  readonly type: string
  readonly status: string
  readonly reason: string
  readonly message: string
}

/** The value at a dotted path (`status.readyReplicas`), or undefined. */
export function field(object: LiveObject, path: string): unknown {
  let value: unknown = object
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    if (!Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

/** An integer field; a fraction or text is no integer (kstatus reads only int types). */
export function intField(object: LiveObject, path: string, fallback: number): number {
  const value = field(object, path)
  return typeof value === 'number' && Number.isInteger(value) ? value : fallback
}

export function hasIntField(object: LiveObject, path: string): boolean {
  const value = field(object, path)
  return typeof value === 'number' && Number.isInteger(value)
}

export function stringField(object: LiveObject, path: string, fallback: string): string {
  const value = field(object, path)
  return typeof value === 'string' ? value : fallback
}

export function boolField(object: LiveObject, path: string, fallback: boolean): boolean {
  const value = field(object, path)
  return typeof value === 'boolean' ? value : fallback
}

export function listField(object: LiveObject, path: string): readonly unknown[] {
  const value = field(object, path)
  return Array.isArray(value) ? value : []
}

/** `status.conditions`, skipping entries that are not conditions. */
export function conditions(object: LiveObject): readonly Condition[] {
  return listField(object, 'status.conditions').flatMap((entry) => {
    if (typeof entry !== 'object' || entry === null) return []
    const text = (key: string): string => stringField(entry as LiveObject, key, '')
    const type = text('type')
    return type === ''
      ? []
      : [{ type, status: text('status'), reason: text('reason'), message: text('message') }]
  })
}

/** The first condition of a type, optionally with a status. */
export function conditionOf(
  object: LiveObject,
  type: string,
  status?: string
): Condition | undefined {
  return conditions(object).find(
    (c) => c.type === type && (status === undefined || c.status === status)
  )
}

/** `apps/v1` → `apps`; the core group (`v1`) is ''. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/')
  return slash < 0 ? '' : apiVersion.slice(0, slash)
}

export function kindOf(object: LiveObject): string {
  return stringField(object, 'kind', '')
}

export function nameOf(object: LiveObject): string {
  return stringField(object, 'metadata.name', '')
}
