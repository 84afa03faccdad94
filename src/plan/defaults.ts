import type { PlanTarget } from '../types/plan.ts'
import { mergeOptions, OPTION_KEYS, parseOptions, type PlanOptions } from './plan-options.ts'
import { isNullNode, parseConfigRoot } from './yaml-tree.ts'
import type { YamlNode } from './yaml-tree.ts'

// Pure: `.gitops/defaults.yaml`, release options for every plan, a setup's plans or
// a namespace's plans. Precedence, lowest first: `all`, `setups.<setup>`,
// `namespaces.<setup>/<namespace>`, the plan file's own keys.

export const DEFAULTS_FILE = '.gitops/defaults.yaml'

/** A problem with the defaults file stops the run: every plan it covers depends on it. */
export class DefaultsFileError extends Error {}

export interface Defaults {
  readonly all: PlanOptions
  readonly setups: ReadonlyMap<string, PlanOptions>
  /** By `<setup>/<namespace>`. */
  readonly namespaces: ReadonlyMap<string, PlanOptions>
}

export const NO_DEFAULTS: Defaults = { all: {}, setups: new Map(), namespaces: new Map() }

const SECTIONS = ['all', 'setups', 'namespaces'] as const

export function parseDefaultsFile(text: string): Defaults {
  const fail = (line: number | undefined, message: string): never => {
    throw new DefaultsFileError(`${DEFAULTS_FILE}${line ? ` line ${line}` : ''}: ${message}`)
  }
  const root = parseConfigRoot(text, fail)
  if (root === undefined) return NO_DEFAULTS
  const shape =
    'must be a mapping of `all:` (every plan), `setups:` (by setup) and `namespaces:` (by setup/namespace)'
  if (root.kind !== 'mapping') return fail(root.line, shape)
  let all: PlanOptions = {}
  const setups = new Map<string, PlanOptions>()
  const namespaces = new Map<string, PlanOptions>()
  for (const { key, value } of root.entries) {
    const section = key.kind === 'scalar' ? key.text : ''
    if (section === 'all') all = entry(value, 'all: ', fail)
    else if (section === 'setups' || section === 'namespaces') {
      if (isNullNode(value)) continue
      if (value.kind !== 'mapping')
        return fail(value.line, `'${section}' must be a mapping of ${section} to options`)
      for (const item of value.entries) {
        const name = item.key.kind === 'scalar' ? item.key.text : ''
        const valid = section === 'setups' ? SETUP.test(name) : NAMESPACE.test(name)
        if (!valid)
          return fail(
            item.key.line,
            section === 'setups'
              ? `'${name}' is not a setup path (such as aws/prod)`
              : `'${name}' is not <setup>/<namespace> (such as aws/prod/payments)`
          )
        ;(section === 'setups' ? setups : namespaces).set(
          name,
          entry(item.value, `${section} ${name}: `, fail)
        )
      }
    } else
      return fail(
        key.line,
        `unknown key '${section || key.kind}'; allowed keys: ${SECTIONS.join(', ')}`
      )
  }
  return { all, setups, namespaces }
}

const SETUP = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/
const NAMESPACE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

function entry(
  node: YamlNode,
  where: string,
  fail: (line: number | undefined, message: string) => never
): PlanOptions {
  if (isNullNode(node)) return {}
  if (node.kind !== 'mapping')
    return fail(node.line, `${where}must be a mapping of options (${OPTION_KEYS.join(', ')})`)
  const fields = new Map<string, YamlNode>()
  for (const { key, value } of node.entries) {
    const name = key.kind === 'scalar' ? key.text : key.kind
    if (!(OPTION_KEYS as readonly string[]).includes(name))
      return fail(
        key.line,
        `${where}'${name}' cannot have a default; allowed keys: ${OPTION_KEYS.join(', ')}`
      )
    fields.set(name, value)
  }
  const problems: string[] = []
  let first: number | undefined
  const options = parseOptions(
    fields,
    (line, message) => {
      first ??= line
      problems.push(message)
    },
    where
  )
  if (problems.length > 0) return fail(first, problems.join('; '))
  return options
}

/** A plan's options over the defaults that cover it. */
export function optionsFor(
  defaults: Defaults,
  target: Pick<PlanTarget, 'setup' | 'namespace'>,
  own: PlanOptions
): PlanOptions {
  return [
    defaults.setups.get(target.setup),
    defaults.namespaces.get(`${target.setup}/${target.namespace}`),
    own
  ].reduce<PlanOptions>((under, over) => (over ? mergeOptions(under, over) : under), defaults.all)
}
