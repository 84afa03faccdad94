import { describe, expect, it } from 'vitest'
import {
  compileExpression,
  expressionFor,
  expressionHealth,
  expressionKey
} from '../../../src/health/cel.ts'
import type { HealthExpression, ObjectHealth } from '../../../src/types/health.ts'

type Json = Record<string, unknown>

/** A custom resource as its operator writes it: observed, with a phase and conditions. */
const widget = (status: Json, meta: Json = {}): Json => ({
  apiVersion: 'example.com/v1beta1',
  kind: 'Widget',
  metadata: {
    name: 'blue',
    namespace: 'shop',
    generation: 4,
    annotations: { 'example.com/revision': 'r7' },
    ...meta
  },
  spec: { replicas: 3, tier: 'gold' },
  status: { observedGeneration: 4, ...status }
})

const rule = (over: Partial<HealthExpression>): HealthExpression => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  current: "status.phase == 'Ready'",
  ...over
})

const current = (reason: string): ObjectHealth => ({ verdict: 'current', reason })
const inProgress = (reason: string): ObjectHealth => ({ verdict: 'in-progress', reason })
const failed = (reason: string): ObjectHealth => ({ verdict: 'failed', reason })

describe('health expressions: evaluated in Flux order', () => {
  const all = rule({
    inProgress: "status.phase == 'Scaling'",
    failed: "status.phase == 'Failed' || status.phase == 'Scaling'",
    current: "status.phase == 'Ready' || status.phase == 'Scaling' || status.phase == 'Failed'"
  })
  it.each<[string, HealthExpression, Json, ObjectHealth]>([
    [
      'inProgress true wins over failed and current',
      all,
      widget({ phase: 'Scaling' }),
      inProgress("health expression 'inProgress' is true")
    ],
    [
      'failed true wins over current',
      all,
      widget({ phase: 'Failed' }),
      failed("health expression 'failed' is true")
    ],
    [
      'current true',
      all,
      widget({ phase: 'Ready' }),
      current("health expression 'current' is true")
    ],
    [
      'none true: in progress',
      all,
      widget({ phase: 'Provisioning' }),
      inProgress("health expression 'current' is not true yet")
    ],
    [
      'a spec its controller has not seen is in progress, whatever the expressions say',
      all,
      widget({ phase: 'Ready', observedGeneration: 3 }),
      inProgress('Widget generation is 4, but latest observed generation is 3')
    ],
    [
      'a field the object lacks yet: in progress, with the error and what guards it',
      rule({}),
      widget({}),
      inProgress(
        "health expression 'current': field not found: phase (has() guards a field the object may not have yet)"
      )
    ],
    [
      'has() guards a missing field',
      rule({ current: "has(status.phase) && status.phase == 'Ready'" }),
      widget({}),
      inProgress("health expression 'current' is not true yet")
    ],
    [
      'an error in an earlier expression stops there',
      rule({ failed: 'status.error.code > 0' }),
      widget({ phase: 'Ready' }),
      inProgress(
        "health expression 'failed': field not found: error (has() guards a field the object may not have yet)"
      )
    ],
    [
      'an expression that gives no bool',
      rule({ current: 'status.readyReplicas' }),
      widget({ readyReplicas: 3 }),
      inProgress("health expression 'current': gives an int, not true or false")
    ]
  ])('%s', (_name, expression, object, expected) => {
    expect(expressionHealth(expression, object)).toEqual(expected)
  })
})

describe('health expressions: the object as variables', () => {
  const ready = widget({
    phase: 'Ready',
    readyReplicas: 3,
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Reconciled',
        lastTransitionTime: '2025-03-01T11:00:00Z'
      }
    ]
  })
  it.each<[string, string]>([
    // Flux's published expressions read the top-level fields directly.
    [
      'a condition, as in Flux',
      "status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')"
    ],
    [
      'the whole object as self',
      "self.status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')"
    ],
    [
      'whole numbers are ints: arithmetic with literals',
      'status.readyReplicas + 0 == spec.replicas'
    ],
    ['int and double compare', 'status.readyReplicas >= 2.5'],
    [
      'metadata, with a key that needs quoting',
      "metadata.annotations['example.com/revision'] == 'r7'"
    ],
    ['map membership', "'tier' in spec"],
    ['string extensions', "spec.tier.upperAscii() == 'GOLD'"],
    ['the kind and apiVersion', "kind == 'Widget' && apiVersion.startsWith('example.com/')"]
  ])('%s', (_name, text) => {
    expect(expressionHealth(rule({ current: text }), ready)).toEqual(
      current("health expression 'current' is true")
    )
  })
})

describe('health expressions: compiled once, errors with their line', () => {
  it('caches by text', () => {
    const text = "status.phase == 'Cached'"
    expect(compileExpression(text)).toBe(compileExpression(text))
    expect(compileExpression(text).ok).toBe(true)
  })

  it.each<[string, string, { line: number; message: string }]>([
    [
      'a syntax error',
      'status.ready &&',
      { line: 1, message: 'found & but expecting end of input (column 14)' }
    ],
    [
      'an unknown function',
      'status.items.exist(i, i.ok)',
      { line: 1, message: "unknown function 'exist'" }
    ],
    [
      'an unknown function on a later line',
      'has(status.items) &&\n  status.items.all(i, i.ok) &&\n  nosuch(status)',
      { line: 3, message: "unknown function 'nosuch'" }
    ],
    [
      'has() of a bare name',
      'has(status)',
      { line: 1, message: 'has() takes a field selection, such as has(status.readyReplicas)' }
    ],
    [
      "optional field syntax (Flux's status.?field) is not in this evaluator",
      'status.?phase.orValue("") == "Ready"',
      { line: 1, message: 'found . but expecting end of input (column 7)' }
    ]
  ])('%s', (_name, text, expected) => {
    expect(compileExpression(text)).toEqual({ ok: false, ...expected })
  })
})

describe('health expressions: which objects they judge', () => {
  const expressions = [
    rule({ current: 'true' }),
    { apiVersion: 'v1', kind: 'Service', current: 'true' },
    { apiVersion: 'apps/v1', kind: 'Deployment', current: 'false' }
  ]
  it.each<[string, Json, string | undefined]>([
    ['the same group and kind, another version', widget({}), 'example.com/Widget'],
    ['the core group', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } }, 'Service'],
    ['another group, the same kind', { apiVersion: 'other.io/v1', kind: 'Widget' }, undefined],
    ['the same group, another kind', { apiVersion: 'example.com/v1', kind: 'Gadget' }, undefined],
    [
      'a kind of the core group asked for in a named group',
      { apiVersion: 'v1', kind: 'Deployment' },
      undefined
    ]
  ])('%s', (_name, object, key) => {
    const found = expressionFor(expressions, object)
    expect(found && expressionKey(found)).toBe(key)
  })
})
