import { isNullNode, parseConfigRoot, type YamlNode } from '../plan/yaml-tree.ts'
import { PROMOTION_KEYS, type PromotionKey, type PromotionRule } from '../types/promotion.ts'
import { findCycle } from './cycles.ts'

// Pure: `.gitops/promotions.yaml`, checked against the setups of the repository.
//   promotions:
//     - from: aws/staging
//       to: [aws/prod-eu, aws/prod-us]
//       keys: [version]        # chart, version, set; default [version]

export const PROMOTIONS_FILE = '.gitops/promotions.yaml'

/** A problem with the promotions file stops the run before any cluster is touched, like one in the defaults file. */
export class PromotionsFileError extends Error {}

const ENTRY_KEYS = ['from', 'to', 'keys'] as const
const DEFAULT_KEYS: readonly PromotionKey[] = ['version']
/** Setups named in an error about one that does not exist. */
const SETUPS_SHOWN = 10

type Fail = (line: number | undefined, message: string) => never

export function parsePromotionsFile(
  text: string,
  setups: ReadonlySet<string>
): readonly PromotionRule[] {
  const fail: Fail = (line, message) => {
    throw new PromotionsFileError(`${PROMOTIONS_FILE}${line ? ` line ${line}` : ''}: ${message}`)
  }
  const root = parseConfigRoot(text, fail)
  if (root === undefined) return []
  if (root.kind !== 'mapping')
    return fail(root.line, 'must be a mapping with one key, `promotions:`, a list of entries')
  let list: YamlNode | undefined
  for (const { key, value } of root.entries) {
    if (key.kind === 'scalar' && key.text === 'promotions') list = value
    else fail(key.line, `unknown key '${nameOf(key)}'; the one allowed key is promotions`)
  }
  if (list === undefined || isNullNode(list)) return []
  if (list.kind !== 'sequence')
    return fail(
      list.line,
      "'promotions' must be a list of entries such as `- { from: aws/staging, to: aws/prod }`"
    )
  const rules = list.items.map((item, i) => entry(item, i + 1, setups, fail))
  checkPairs(rules, fail)
  const cycle = findCycle(rules)
  if (cycle)
    fail(
      cycle.rule.line,
      `promoting from ${cycle.rule.from} to ${cycle.path[1]} closes a cycle (${cycle.path.join(' → ')}): a change would be proposed back to where it came from; remove one of these entries`
    )
  return rules
}

function entry(
  node: YamlNode,
  index: number,
  setups: ReadonlySet<string>,
  fail: Fail
): PromotionRule {
  const where = `promotion ${index}`
  if (node.kind !== 'mapping')
    return fail(node.line, `${where} must be a mapping of from, to and keys`)
  const fields = new Map<string, YamlNode>()
  for (const { key, value } of node.entries) {
    const name = nameOf(key)
    if (!(ENTRY_KEYS as readonly string[]).includes(name))
      fail(key.line, `${where}: unknown key '${name}'; allowed keys: ${ENTRY_KEYS.join(', ')}`)
    fields.set(name, value)
  }
  const fromNode = fields.get('from')
  if (!fromNode) return fail(node.line, `${where} needs 'from', the setup whose plans are proven`)
  const from = setupOf(fromNode, `${where}: 'from'`, setups, fail)
  const toNode = fields.get('to')
  if (!toNode) return fail(node.line, `${where} needs 'to', a setup or a list of setups`)
  const to: string[] = []
  for (const item of listOf(toNode)) {
    const setup = setupOf(item, `${where}: 'to'`, setups, fail)
    if (setup === from)
      fail(item.line, `${where} promotes ${from} to itself; 'to' must name other setups`)
    if (to.includes(setup)) fail(item.line, `${where} names ${setup} twice in 'to'`)
    to.push(setup)
  }
  if (to.length === 0) fail(toNode.line, `${where}: 'to' must name at least one setup`)
  const keysNode = fields.get('keys')
  const keys = keysNode === undefined ? DEFAULT_KEYS : keysOf(keysNode, where, fail)
  return { from, to, keys, line: node.line }
}

function setupOf(node: YamlNode, what: string, setups: ReadonlySet<string>, fail: Fail): string {
  const name = node.kind === 'scalar' && !isNullNode(node) ? node.text.trim() : ''
  if (name === '') return fail(node.line, `${what} must be a setup such as aws/prod`)
  if (!setups.has(name)) {
    const known = [...setups].sort()
    const shown = known.slice(0, SETUPS_SHOWN).join(', ')
    const more = known.length > SETUPS_SHOWN ? `, and ${known.length - SETUPS_SHOWN} more` : ''
    return fail(
      node.line,
      `${what} '${name}' is no setup of this repository (a setup is a folder holding plans${known.length > 0 ? `: ${shown}${more}` : '; there is none'}); name one of them`
    )
  }
  return name
}

function keysOf(node: YamlNode, where: string, fail: Fail): PromotionKey[] {
  const keys: PromotionKey[] = []
  for (const item of listOf(node)) {
    const name = item.kind === 'scalar' ? item.text.trim() : ''
    if (!(PROMOTION_KEYS as readonly string[]).includes(name))
      fail(
        item.line,
        `${where}: 'keys' may hold ${PROMOTION_KEYS.join(', ')}, not ${item.kind === 'scalar' ? `'${name}'` : `a ${item.kind}`}`
      )
    if (keys.includes(name as PromotionKey))
      fail(item.line, `${where} lists '${name}' twice in 'keys'`)
    keys.push(name as PromotionKey)
  }
  if (keys.length === 0)
    fail(node.line, `${where}: 'keys' must name at least one of ${PROMOTION_KEYS.join(', ')}`)
  return keys
}

/** The same from and to in two entries would edit one plan twice: one entry a pair. */
function checkPairs(rules: readonly PromotionRule[], fail: Fail): void {
  const seen = new Map<string, number>()
  for (const rule of rules) {
    for (const to of rule.to) {
      const pair = `${rule.from}\0${to}`
      const first = seen.get(pair)
      if (first !== undefined)
        fail(
          rule.line,
          `promoting from ${rule.from} to ${to} is already the entry on line ${first}; keep one entry (with every key it carries)`
        )
      seen.set(pair, rule.line)
    }
  }
}

/** A scalar stands for a list of one. */
function listOf(node: YamlNode): readonly YamlNode[] {
  if (node.kind === 'sequence') return node.items
  return isNullNode(node) ? [] : [node]
}

function nameOf(key: YamlNode): string {
  return key.kind === 'scalar' ? key.text : key.kind
}
