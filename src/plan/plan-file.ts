import { HOOK_NAMES } from '../types/plan.ts'
import type { DriftIgnore, FileProblem, HookName } from '../types/plan.ts'
import { OPTION_KEYS, parseOptions, type PlanOptions } from './plan-options.ts'
import { isNullNode, parseYaml, YamlError } from './yaml-tree.ts'
import type { YamlNode } from './yaml-tree.ts'

// A plan file's text → its fields with their lines, or every schema problem with
// its line. Nothing here touches the file system: paths are checked later.

export interface Located {
  readonly text: string
  readonly line: number
}

export interface RawPlan {
  readonly chart: Located
  readonly version: Located | undefined
  readonly repository: Located | undefined
  readonly values: readonly Located[]
  readonly hooks: Readonly<Record<HookName, readonly Located[]>>
  /** `namespace/release` of plans of the same setup this one waits for. */
  readonly needs: readonly Located[]
  readonly driftIgnore: readonly DriftIgnore[]
  /** As written in the file; `.gitops/defaults.yaml` fills what it leaves out. */
  readonly options: PlanOptions
}

export type ParsedPlanFile =
  | { readonly ok: true; readonly plan: RawPlan }
  | { readonly ok: false; readonly problems: readonly FileProblem[] }

const KEYS = [
  'chart',
  'version',
  'values',
  'repository',
  'hooks',
  'needs',
  'driftIgnore',
  ...OPTION_KEYS
] as const
type Key = (typeof KEYS)[number]

export function parsePlanFile(file: string, text: string): ParsedPlanFile {
  const problems: FileProblem[] = []
  const problem = (line: number | undefined, message: string): void => {
    problems.push(line === undefined ? { file, message } : { file, line, message })
  }
  let root: YamlNode | null
  try {
    root = parseYaml(text)
  } catch (error) {
    if (!(error instanceof YamlError)) throw error
    problem(error.line, error.message)
    return { ok: false, problems }
  }
  if (root === null || isNullNode(root)) {
    problem(1, 'the plan file is empty; it needs at least `chart`, e.g. `chart: stable/nginx`')
    return { ok: false, problems }
  }
  if (root.kind !== 'mapping') {
    problem(root.line, 'a plan file must be a YAML mapping with at least `chart`')
    return { ok: false, problems }
  }

  const fields = new Map<Key, YamlNode>()
  for (const { key, value } of root.entries) {
    if (key.kind !== 'scalar') problem(key.line, 'keys must be plain names')
    else if (!(KEYS as readonly string[]).includes(key.text)) {
      problem(key.line, `unknown key '${key.text}'; allowed keys: ${KEYS.join(', ')}`)
    } else fields.set(key.text as Key, value)
  }

  const scalar = (key: Key): Located | undefined => {
    const node = fields.get(key)
    if (!node) return undefined
    if (node.kind !== 'scalar')
      problem(node.line, `'${key}' must be a single value, not a ${node.kind}`)
    else if (node.isNull || node.text.trim() === '') problem(node.line, `'${key}' is empty`)
    else return { text: node.text.trim(), line: node.line }
    return undefined
  }
  const paths = (node: YamlNode | undefined, what: string): Located[] => {
    if (!node || isNullNode(node)) return []
    if (node.kind === 'scalar')
      return node.text.trim() ? [{ text: node.text.trim(), line: node.line }] : []
    if (node.kind === 'mapping') {
      problem(node.line, `${what} must be a path or a list of paths`)
      return []
    }
    const list: Located[] = []
    node.items.forEach((item, i) => {
      if (item.kind !== 'scalar' || item.isNull || item.text.trim() === '') {
        problem(item.line, `${what} item ${i + 1} must be a path`)
      } else list.push({ text: item.text.trim(), line: item.line })
    })
    return list
  }

  const chart = scalar('chart')
  if (!fields.has('chart'))
    problem(root.line, "missing required key 'chart' (e.g. `chart: stable/nginx`)")
  const version = scalar('version')
  const repository = scalar('repository')
  const values = paths(fields.get('values'), "'values'")
  const hooks = hooksOf(fields.get('hooks'), paths, problem)
  const needs = paths(fields.get('needs'), "'needs'").filter((need) => {
    const ok = NEED.test(need.text)
    if (!ok) problem(need.line, `'needs' item '${need.text}' must be namespace/release`)
    return ok
  })
  const options = parseOptions(fields, problem)

  const driftIgnore = driftIgnoreOf(fields.get('driftIgnore'), problem)

  if (problems.length > 0 || !chart) {
    return { ok: false, problems: problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) }
  }
  return {
    ok: true,
    plan: { chart, version, repository, values, hooks, needs, driftIgnore, options }
  }
}

/** `namespace/release`, both DNS-1123 labels. */
const NEED = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

function hooksOf(
  node: YamlNode | undefined,
  paths: (node: YamlNode | undefined, what: string) => Located[],
  problem: (line: number | undefined, message: string) => void
): Record<HookName, Located[]> {
  const hooks = Object.fromEntries(HOOK_NAMES.map((name) => [name, []])) as unknown as Record<
    HookName,
    Located[]
  >
  if (!node || isNullNode(node)) return hooks
  if (node.kind !== 'mapping') {
    problem(
      node.line,
      `'hooks' must be a mapping of hook names (${HOOK_NAMES.join(', ')}) to lists of scripts`
    )
    return hooks
  }
  for (const { key, value } of node.entries) {
    if (key.kind !== 'scalar' || !(HOOK_NAMES as readonly string[]).includes(key.text)) {
      const name = key.kind === 'scalar' ? key.text : key.kind
      problem(key.line, `unknown hook '${name}'; allowed hooks: ${HOOK_NAMES.join(', ')}`)
      continue
    }
    hooks[key.text as HookName] = paths(value, `hook '${key.text}'`)
  }
  return hooks
}

/** A JSON pointer (RFC 6901): empty, or `/`-separated tokens where `~` only escapes `~0` and `~1`. */
const POINTER = /^(\/([^~/]|~[01])*)+$/
const IGNORE_KEYS = ['paths', 'kind', 'name']

/**
 * `driftIgnore`: a list whose items are a JSON pointer (every object of the release) or
 * `{ paths: [pointers], kind?, name? }` (only the objects of that kind and/or name).
 */
function driftIgnoreOf(
  node: YamlNode | undefined,
  problem: (line: number | undefined, message: string) => void
): DriftIgnore[] {
  if (!node || isNullNode(node)) return []
  if (node.kind !== 'sequence') {
    problem(node.line, "'driftIgnore' must be a list of JSON pointers or of { paths, kind, name }")
    return []
  }
  const pointer = (item: YamlNode, what: string): string | undefined => {
    if (item.kind === 'scalar' && POINTER.test(item.text.trim())) return item.text.trim()
    problem(item.line, `${what} must be a JSON pointer such as /spec/replicas`)
    return undefined
  }
  const rules: DriftIgnore[] = []
  node.items.forEach((item, i) => {
    const what = `'driftIgnore' item ${i + 1}`
    if (item.kind !== 'mapping') {
      const path = pointer(item, what)
      if (path !== undefined) rules.push({ paths: [path] })
      return
    }
    let paths: string[] = []
    const target: { kind?: string; name?: string } = {}
    for (const { key, value } of item.entries) {
      const name = key.kind === 'scalar' ? key.text : ''
      if (!IGNORE_KEYS.includes(name)) {
        problem(key.line, `${what}: unknown key '${name}'; allowed keys: ${IGNORE_KEYS.join(', ')}`)
      } else if (name === 'paths') {
        const list = value.kind === 'sequence' ? value.items : [value]
        paths = list.flatMap((p) => pointer(p, `${what} paths`) ?? [])
      } else if (value.kind !== 'scalar' || value.isNull || value.text.trim() === '') {
        problem(value.line, `${what}: '${name}' must be a single value`)
      } else target[name as 'kind' | 'name'] = value.text.trim()
    }
    if (paths.length === 0) problem(item.line, `${what} needs 'paths', a list of JSON pointers`)
    else rules.push({ paths, ...target })
  })
  return rules
}
