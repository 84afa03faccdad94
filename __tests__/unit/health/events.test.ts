import { describe, expect, it } from 'vitest'
import {
  clusterText,
  eventNote,
  MAX_TEXT,
  newestWarnings,
  podSelector
} from '../../../src/health/events.ts'
import { warning } from '../../support/fakes/kube-objects.ts'

// Pure parts of the reasons: which events are told, how, and a workload's Pods.

const pod = { kind: 'Pod', name: 'web-1' }

describe('newestWarnings', () => {
  it('Warnings only, newest first (by the latest time the event gives), the same one once, at most 2', () => {
    const items = [
      { ...warning(pod, 'Old', 'a', '2025-01-01T00:00:00Z'), type: 'Normal' },
      warning(pod, 'BackOff', 'restarting', '2025-01-02T00:00:00Z', 5),
      {
        type: 'Warning',
        reason: 'FailedScheduling',
        message: 'no nodes',
        eventTime: '2025-01-03T00:00:00.000000Z',
        involvedObject: pod
      },
      warning(pod, 'BackOff', 'restarting', '2025-01-01T00:00:00Z'),
      'not an event',
      null
    ]
    expect(newestWarnings(items)).toEqual([
      {
        about: 'Pod/web-1',
        reason: 'FailedScheduling',
        message: 'no nodes',
        count: 1,
        time: Date.parse('2025-01-03T00:00:00Z')
      },
      {
        about: 'Pod/web-1',
        reason: 'BackOff',
        message: 'restarting',
        count: 5,
        time: Date.parse('2025-01-02T00:00:00Z')
      }
    ])
  })
})

describe('eventNote', () => {
  const event = {
    about: 'Pod/web-1',
    reason: 'ErrImagePull',
    message: 'pull access denied',
    count: 3,
    time: 0
  }
  it('names the Pod when the event is about one of the object', () => {
    expect(eventNote('Deployment/web', event)).toBe(
      'Deployment/web: Pod/web-1 Warning ErrImagePull (×3): pull access denied'
    )
    expect(eventNote('Pod/web-1', { ...event, count: 1 })).toBe(
      'Pod/web-1: Warning ErrImagePull: pull access denied'
    )
  })
  it("the cluster's text stays on one line and is cut", () => {
    const note = eventNote('Deployment/web', {
      ...event,
      message: `line one\n::error::forged\r${'x'.repeat(1000)}`
    })
    expect(note).not.toMatch(/[\n\r]/)
    expect(note).toContain('line one\\n::error::forged\\r')
    expect(note.length).toBeLessThanOrEqual('Deployment/web: '.length + MAX_TEXT)
    expect(note.endsWith('…')).toBe(true)
    expect(clusterText('\u001b[31mred\u202e')).toBe('\\u001b[31mred\\u202e')
  })
})

describe('podSelector', () => {
  it.each<[string, Record<string, unknown>, string | undefined]>([
    [
      'matchLabels',
      { kind: 'Deployment', spec: { selector: { matchLabels: { app: 'web', tier: 'front' } } } },
      'app=web,tier=front'
    ],
    [
      'matchExpressions of every operator',
      {
        kind: 'StatefulSet',
        spec: {
          selector: {
            matchExpressions: [
              { key: 'env', operator: 'In', values: ['a', 'b'] },
              { key: 'zone', operator: 'NotIn', values: ['x'] },
              { key: 'app', operator: 'Exists' },
              { key: 'legacy', operator: 'DoesNotExist' }
            ]
          }
        }
      },
      'env in (a,b),zone notin (x),app,!legacy'
    ],
    [
      'a Job',
      { kind: 'Job', spec: { selector: { matchLabels: { 'controller-uid': 'u1' } } } },
      'controller-uid=u1'
    ],
    [
      'an empty selector would select every Pod: none',
      { kind: 'DaemonSet', spec: { selector: {} } },
      undefined
    ],
    ['not a workload', { kind: 'Service', spec: { selector: { app: 'web' } } }, undefined]
  ])('%s', (_name, object, expected) => {
    expect(podSelector(object)).toBe(expected)
  })
})
