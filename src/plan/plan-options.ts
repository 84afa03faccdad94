import { CORE_SCHEMA, load } from 'js-yaml'
import { CRD_POLICIES, type CrdPolicy, type ReleaseOptions, type Removal } from '../types/plan.ts'
import { healthOptions, mergeHealth, settleHealth, type HealthOptions } from './health-options.ts'
import { bool, type Problem } from './option-values.ts'
import type { YamlNode } from './yaml-tree.ts'

// Pure: the release options of a plan file or of a defaults entry (`wait`,
// `timeout`, `atomic`, `set`, `test`, `suspend`, `keep`, `health`, `crds`) as written, each
// problem with its line; merged (plan over defaults) and then settled.

export const OPTION_KEYS = [
  'wait',
  'timeout',
  'atomic',
  'set',
  'test',
  'suspend',
  'keep',
  'health',
  'crds'
] as const
export type OptionKey = (typeof OPTION_KEYS)[number]

export interface TestOptions {
  readonly enable?: boolean
  readonly timeout?: string
  readonly rollbackOnFailure?: boolean
}

/** Options as one file writes them: a key left out is undefined, so defaults can fill it. */
export interface PlanOptions {
  readonly wait?: boolean
  readonly timeout?: string
  readonly atomic?: boolean
  /** Values by path, already nested (`image.tag: v1` → `{ image: { tag: 'v1' } }`). */
  readonly set?: Readonly<Record<string, unknown>>
  readonly test?: TestOptions
  readonly suspend?: boolean
  readonly keep?: boolean
  readonly health?: HealthOptions
  readonly crds?: CrdPolicy
}

export type { Problem } from './option-values.ts'

/** A Go duration as helm's `--timeout` takes it: `90s`, `5m`, `1h30m`, `1.5h`. */
export const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/
const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600
}
/** A wait longer than a job may run (5 days, on a self-hosted runner) never ends in time; far longer ones overflow helm's parser. */
export const MAX_TIMEOUT_HOURS = 120

/** Value path parts that would reach an object's prototype instead of a key of its own. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

const TEST_KEYS = ['enable', 'timeout', 'rollbackOnFailure'] as const

export function isOptionKey(key: string): key is OptionKey {
  return (OPTION_KEYS as readonly string[]).includes(key)
}

/** The options among a mapping's fields; other keys are the caller's. */
export function parseOptions(
  fields: ReadonlyMap<string, YamlNode>,
  problem: Problem,
  where = ''
): PlanOptions {
  const options: { -readonly [K in keyof PlanOptions]: PlanOptions[K] } = bare()
  for (const [key, node] of fields) {
    if (!isOptionKey(key)) continue
    const name = `${where}'${key}'`
    switch (key) {
      case 'wait':
      case 'atomic':
      case 'suspend':
      case 'keep':
        options[key] = bool(node, name, problem)
        break
      case 'timeout':
        options.timeout = duration(node, name, problem)
        break
      case 'set':
        options.set = setValues(node, name, problem)
        break
      case 'test':
        options.test = testOptions(node, name, problem)
        break
      case 'health':
        options.health = healthOptions(node, name, problem)
        break
      case 'crds':
        options.crds = crdPolicy(node, name, problem)
        break
    }
  }
  return options
}

/** Pure: the seconds a checked Go duration stands for. */
export function durationSeconds(text: string): number {
  let seconds = 0
  for (const [, amount, unit] of text.matchAll(DURATION_PART))
    seconds += Number(amount) * (UNIT_SECONDS[unit as string] as number)
  return seconds
}

function duration(node: YamlNode, name: string, problem: Problem): string | undefined {
  const text = node.kind === 'scalar' ? node.text.trim() : ''
  if (DURATION.test(text)) {
    if (durationSeconds(text) <= MAX_TIMEOUT_HOURS * 3600) return text
    problem(
      node.line,
      `${name} must be at most ${MAX_TIMEOUT_HOURS}h (5 days, the longest a job may run), not '${text}'`
    )
    return undefined
  }
  const got = node.kind === 'scalar' ? `'${node.text}'` : `a ${node.kind}`
  problem(
    node.line,
    `${name} must be a duration such as 90s, 5m or 1h30m (a number with a unit: ns, us, ms, s, m, h), not ${got}`
  )
  return undefined
}

/** Flux's spellings of the same policies, so an error can say how to write them here. */
const FLUX_SPELLING: Readonly<Record<string, CrdPolicy>> = {
  Skip: 'skip',
  Create: 'create',
  CreateReplace: 'create-replace'
}

function crdPolicy(node: YamlNode, name: string, problem: Problem): CrdPolicy | undefined {
  const text = node.kind === 'scalar' && node.plain ? node.text : undefined
  const policy = CRD_POLICIES.find((p) => p === text)
  if (policy) return policy
  const got = node.kind === 'scalar' ? `'${node.text}'` : `a ${node.kind}`
  const flux = text === undefined ? undefined : FLUX_SPELLING[text]
  problem(
    node.line,
    `${name} must be one of ${CRD_POLICIES.join(', ')}, not ${got}${flux ? ` (Flux's ${text} is written ${flux} here)` : ''}`
  )
  return undefined
}

function testOptions(node: YamlNode, name: string, problem: Problem): TestOptions | undefined {
  if (node.kind === 'scalar') {
    const enable = bool(
      node,
      `${name} (true, false, or a mapping of ${TEST_KEYS.join(', ')})`,
      problem
    )
    return enable === undefined ? undefined : { enable }
  }
  if (node.kind !== 'mapping') {
    problem(node.line, `${name} must be true, false, or a mapping of ${TEST_KEYS.join(', ')}`)
    return undefined
  }
  const test: { -readonly [K in keyof TestOptions]: TestOptions[K] } = bare()
  for (const { key, value } of node.entries) {
    const text = key.kind === 'scalar' ? key.text : key.kind
    if (text === 'timeout') test.timeout = duration(value, `${name} 'timeout'`, problem)
    else if (text === 'enable' || text === 'rollbackOnFailure')
      test[text] = bool(value, `${name} '${text}'`, problem)
    else
      problem(key.line, `unknown key '${text}' in ${name}; allowed keys: ${TEST_KEYS.join(', ')}`)
  }
  return test
}

/**
 * `set` is a mapping of value paths (dots nest, `\.` is a literal dot) to values of
 * any YAML type. It reaches helm as a generated values file, never as a flag.
 */
function setValues(
  node: YamlNode,
  name: string,
  problem: Problem
): Record<string, unknown> | undefined {
  if (node.kind !== 'mapping') {
    problem(node.line, `${name} must be a mapping of value paths to values, e.g. image.tag: v1.2.0`)
    return undefined
  }
  const values: Record<string, unknown> = bare()
  for (const { key, value } of node.entries) {
    if (key.kind !== 'scalar') {
      problem(key.line, `${name} keys must be value paths such as image.tag, not a ${key.kind}`)
      continue
    }
    const path = valuePath(key.text)
    const reserved = path?.find((part) => PROTOTYPE_KEYS.has(part))
    if (!path) problem(key.line, `${name} key '${key.text}' must be a value path such as image.tag`)
    else if (reserved !== undefined)
      problem(
        key.line,
        `${name} key '${key.text}' uses '${reserved}', which no value path may use (${[...PROTOTYPE_KEYS].join(', ')}); rename the value`
      )
    else if (!place(values, path, valueOf(value)))
      problem(key.line, `${name} key '${key.text}' is set twice (as a value and as a mapping)`)
  }
  return values
}

/** `a.b\.c` → ['a', 'b.c']; undefined when a part is empty. */
function valuePath(text: string): string[] | undefined {
  const parts = text.split(/(?<!\\)\./).map((part) => part.replaceAll('\\.', '.'))
  return parts.every((part) => part !== '') ? parts : undefined
}

/** An object without a prototype: a key such as `__proto__` is then only a key. */
function bare<T extends object>(): T {
  return Object.create(null) as T
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Puts a value at a path; false when the path runs through a value that is no mapping. */
function place(target: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  const [head, ...rest] = path as [string, ...string[]]
  if (rest.length === 0) {
    if (head in target && (isMap(target[head]) || isMap(value))) {
      if (!isMap(target[head]) || !isMap(value)) return false
      target[head] = deepMerge(target[head], value)
      return true
    }
    target[head] = value
    return true
  }
  const next = target[head] ?? bare()
  if (!isMap(next)) return false
  target[head] = next
  return place(next, rest, value)
}

/** Maps merge key by key; anything else of `over` replaces (as helm merges values files). */
export function deepMerge(
  under: Readonly<Record<string, unknown>>,
  over: Readonly<Record<string, unknown>>
): Record<string, unknown> {
  const merged: Record<string, unknown> = Object.assign(bare(), under)
  for (const [key, value] of Object.entries(over)) {
    const below = merged[key]
    merged[key] = isMap(below) && isMap(value) ? deepMerge(below, value) : value
  }
  return merged
}

/** A YAML node as the value it means: plain scalars by the YAML core schema, quoted ones as text. */
function valueOf(node: YamlNode): unknown {
  switch (node.kind) {
    case 'scalar':
      if (node.isNull) return null
      if (!node.plain) return node.text
      return plainScalar(node.text)
    case 'sequence':
      return node.items.map(valueOf)
    case 'mapping':
      return Object.assign(
        bare(),
        Object.fromEntries(
          node.entries.map(({ key, value }) => [
            key.kind === 'scalar' ? key.text : '',
            valueOf(value)
          ])
        )
      )
  }
}

function plainScalar(text: string): unknown {
  try {
    const value: unknown = load(text, { schema: CORE_SCHEMA })
    return typeof value === 'number' || typeof value === 'boolean' ? value : text
  } catch {
    return text
  }
}

/** `over` (the plan) wins key by key; `set` merges deeply, `test` field by field, `health` as mergeHealth says. */
export function mergeOptions(under: PlanOptions, over: PlanOptions): PlanOptions {
  const merged: { -readonly [K in keyof PlanOptions]: PlanOptions[K] } = Object.assign(
    bare(),
    under
  )
  for (const key of OPTION_KEYS) {
    if (over[key] === undefined) continue
    if (key === 'set') merged.set = deepMerge(under.set ?? bare(), over.set ?? bare())
    else if (key === 'test') merged.test = Object.assign(bare(), under.test, over.test)
    else if (key === 'health') merged.health = mergeHealth(under.health, over.health ?? {})
    else merged[key] = over[key] as never
  }
  return merged
}

/** What the engine acts on: unset switches are off, a test is run only when enabled. */
export function settleOptions(options: PlanOptions): ReleaseOptions {
  const test = options.test
  return Object.assign(bare<ReleaseOptions>(), {
    ...(options.wait !== undefined ? { wait: options.wait } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.atomic !== undefined ? { atomic: options.atomic } : {}),
    set: options.set ?? bare(),
    test:
      test?.enable === true
        ? {
            ...(test.timeout !== undefined ? { timeout: test.timeout } : {}),
            rollbackOnFailure: test.rollbackOnFailure ?? false
          }
        : undefined,
    suspend: options.suspend ?? false,
    keep: options.keep ?? false,
    health: settleHealth(options.health),
    crds: options.crds ?? 'create'
  })
}

/** A plan that sets no option, over no defaults. */
export const DEFAULT_OPTIONS: ReleaseOptions = settleOptions({})

/** A removed plan that asked for nothing: uninstalled, without hooks. */
export const DEFAULT_REMOVAL: Removal = { suspend: false, keep: false }
