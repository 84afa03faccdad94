import { compileExpression, expressionKey } from '../health/cel.ts'
import { isIgnoreEntry } from '../health/ignore.ts'
import { NO_HEALTH_CHECK } from '../types/health.ts'
import type { HealthCheck, HealthExpression } from '../types/health.ts'
import { bool, type Problem } from './option-values.ts'
import { isNullNode, type YamlNode } from './yaml-tree.ts'

// Pure: the `health` release option of a plan file or a defaults entry as written
// (`true`, `false`, or a mapping of `enable`, `exprs`, `ignore`), each problem with
// its line; merged plan over defaults, then settled into the check the engine runs.

export const HEALTH_KEYS = ['enable', 'exprs', 'ignore'] as const
const EXPRESSION_KEYS = ['apiVersion', 'kind', 'current', 'failed', 'inProgress'] as const
type ExpressionKey = (typeof EXPRESSION_KEYS)[number]
const CEL_KEYS: readonly ExpressionKey[] = ['current', 'failed', 'inProgress']

/** A group (optional, a DNS subdomain) and a version: `example.com/v1`, `v1`. */
const API_VERSION = /^(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?\/)?[a-z](?:[-a-z0-9]*[a-z0-9])?$/
const KIND = /^[A-Za-z][A-Za-z0-9]*$/

export interface HealthOptions {
  readonly enable?: boolean
  readonly exprs?: readonly HealthExpression[]
  /** `Kind/name`. */
  readonly ignore?: readonly string[]
}

export function healthOptions(
  node: YamlNode,
  name: string,
  problem: Problem
): HealthOptions | undefined {
  const shape = `true, false, or a mapping of ${HEALTH_KEYS.join(', ')}`
  if (node.kind === 'scalar') {
    const enable = bool(node, `${name} (${shape})`, problem)
    return enable === undefined ? undefined : { enable }
  }
  if (node.kind !== 'mapping') {
    problem(node.line, `${name} must be ${shape}`)
    return undefined
  }
  // Writing the mapping asks for the check, unless it says `enable: false`.
  let enable: boolean | undefined = true
  let exprs: HealthExpression[] | undefined
  let ignore: string[] | undefined
  for (const { key, value } of node.entries) {
    const text = key.kind === 'scalar' ? key.text : key.kind
    if (text === 'enable') enable = bool(value, `${name} 'enable'`, problem)
    else if (text === 'exprs') exprs = expressions(value, `${name} 'exprs'`, problem)
    else if (text === 'ignore') ignore = ignoreList(value, `${name} 'ignore'`, problem)
    else
      problem(key.line, `unknown key '${text}' in ${name}; allowed keys: ${HEALTH_KEYS.join(', ')}`)
  }
  return {
    ...(enable !== undefined ? { enable } : {}),
    ...(exprs ? { exprs } : {}),
    ...(ignore ? { ignore } : {})
  }
}

function expressions(
  node: YamlNode,
  name: string,
  problem: Problem
): HealthExpression[] | undefined {
  if (isNullNode(node)) return []
  if (node.kind !== 'sequence') {
    problem(
      node.line,
      `${name} must be a list of health expressions, each a mapping of ${EXPRESSION_KEYS.join(', ')}`
    )
    return undefined
  }
  const list: HealthExpression[] = []
  const itemOfKey = new Map<string, number>()
  node.items.forEach((item, index) => {
    const itemName = `${name} item ${index + 1}`
    const parsed = expression(item, itemName, problem)
    if (!parsed) return
    const key = expressionKey(parsed)
    const earlier = itemOfKey.get(key)
    if (earlier !== undefined)
      problem(
        item.line,
        `${itemName} is for ${key}, as item ${earlier} is; one expression a kind (any version of its API group)`
      )
    else {
      itemOfKey.set(key, index + 1)
      list.push(parsed)
    }
  })
  return list
}

function expression(node: YamlNode, name: string, problem: Problem): HealthExpression | undefined {
  if (node.kind !== 'mapping') {
    problem(node.line, `${name} must be a mapping of ${EXPRESSION_KEYS.join(', ')}`)
    return undefined
  }
  const fields: Partial<Record<ExpressionKey, string>> = {}
  const written = new Set<string>()
  let sound = true
  for (const { key, value } of node.entries) {
    const text = key.kind === 'scalar' ? key.text : key.kind
    written.add(text)
    if (!(EXPRESSION_KEYS as readonly string[]).includes(text)) {
      problem(
        key.line,
        `unknown key '${text}' in ${name}; allowed keys: ${EXPRESSION_KEYS.join(', ')}`
      )
      sound = false
      continue
    }
    const field = text as ExpressionKey
    const content = fieldText(value, `${name} '${field}'`, field, problem)
    if (content === undefined) sound = false
    else fields[field] = content
  }
  const required: [ExpressionKey, string][] = [
    ['apiVersion', 'the API version of the kind, such as example.com/v1'],
    ['kind', 'the kind it judges, such as Widget'],
    ['current', 'the CEL expression that is true once the object is healthy']
  ]
  for (const [field, what] of required) {
    if (written.has(field)) continue
    problem(node.line, `${name} has no '${field}': ${what}`)
    sound = false
  }
  if (!sound) return undefined
  return fields as HealthExpression
}

/** A field's text, checked: an API version, a kind, or CEL that compiles. */
function fieldText(
  value: YamlNode,
  name: string,
  field: ExpressionKey,
  problem: Problem
): string | undefined {
  const text = value.kind === 'scalar' && !value.isNull ? value.text.trim() : ''
  if (text === '') {
    problem(value.line, `${name} must be ${describe(field)}, not ${emptyOr(value)}`)
    return undefined
  }
  if (field === 'apiVersion' && !API_VERSION.test(text)) {
    problem(value.line, `${name} must be ${describe(field)}, not '${text}'`)
    return undefined
  }
  if (field === 'kind' && !KIND.test(text)) {
    problem(value.line, `${name} must be ${describe(field)}, not '${text}'`)
    return undefined
  }
  if (CEL_KEYS.includes(field)) {
    const compiled = compileExpression(text)
    if (!compiled.ok) {
      // A literal block keeps its lines: the error's line within it is a line of the file.
      problem(value.line + compiled.line - 1, `${name} does not compile: ${compiled.message}`)
      return undefined
    }
  }
  return text
}

function describe(field: ExpressionKey): string {
  if (field === 'apiVersion') return 'an API version such as example.com/v1'
  if (field === 'kind') return 'a kind such as Widget'
  return 'a CEL expression over the object, such as status.phase == "Ready"'
}

function emptyOr(node: YamlNode): string {
  return node.kind === 'scalar' ? 'empty' : `a ${node.kind}`
}

function ignoreList(node: YamlNode, name: string, problem: Problem): string[] | undefined {
  if (isNullNode(node)) return []
  const example = 'Kind/name, such as Service/edge-lb'
  if (node.kind !== 'sequence') {
    problem(node.line, `${name} must be a list of ${example}`)
    return undefined
  }
  const list: string[] = []
  node.items.forEach((item, index) => {
    const text = item.kind === 'scalar' && !item.isNull ? item.text.trim() : ''
    if (isIgnoreEntry(text)) list.push(text)
    else
      problem(
        item.line,
        `${name} item ${index + 1} must be ${example}, not ${text === '' ? emptyOr(item) : `'${text}'`}`
      )
  })
  return list
}

/**
 * The plan over the defaults: `enable` as the plan says, else as the defaults do;
 * expressions by kind (the plan's replaces the defaults' for the same kind); the
 * objects to ignore add up.
 */
export function mergeHealth(under: HealthOptions | undefined, over: HealthOptions): HealthOptions {
  const enable = over.enable ?? under?.enable
  const overKeys = new Set((over.exprs ?? []).map(expressionKey))
  const exprs =
    under?.exprs || over.exprs
      ? [
          ...(under?.exprs ?? []).filter((e) => !overKeys.has(expressionKey(e))),
          ...(over.exprs ?? [])
        ]
      : undefined
  const ignore =
    under?.ignore || over.ignore
      ? [...new Set([...(under?.ignore ?? []), ...(over.ignore ?? [])])]
      : undefined
  return {
    ...(enable !== undefined ? { enable } : {}),
    ...(exprs ? { exprs } : {}),
    ...(ignore ? { ignore } : {})
  }
}

/** What the engine checks: off unless enabled (the expressions still count for a plan of a wave). */
export function settleHealth(options: HealthOptions | undefined): HealthCheck {
  if (!options) return NO_HEALTH_CHECK
  return {
    enable: options.enable ?? false,
    expressions: options.exprs ?? [],
    ignore: options.ignore ?? []
  }
}
