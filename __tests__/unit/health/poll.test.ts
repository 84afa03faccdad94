import { describe, expect, it } from 'vitest'
import { nextPoll, pollInterval, type PollStep } from '../../../src/health/poll.ts'
import type { HealthVerdict } from '../../../src/types/health.ts'

// The health check's one decision after each read: done (and how), or how long to wait.

describe('nextPoll', () => {
  it.each<[string, HealthVerdict[], number, number, number, PollStep]>([
    [
      'every object current',
      ['current', 'current'],
      0,
      60_000,
      1,
      { kind: 'done', health: 'healthy', why: 'current' }
    ],
    ['a release without objects', [], 0, 0, 1, { kind: 'done', health: 'healthy', why: 'current' }],
    [
      'one failed: no more waiting, whatever the time left',
      ['current', 'failed', 'in-progress'],
      1_000,
      60_000,
      1,
      { kind: 'done', health: 'unhealthy', why: 'failed' }
    ],
    ['in progress, first read: 2 s', ['in-progress'], 0, 60_000, 1, { kind: 'wait', ms: 2_000 }],
    ['second read: 2 s', ['in-progress'], 2_000, 60_000, 2, { kind: 'wait', ms: 2_000 }],
    ['then a second more a read', ['in-progress'], 4_000, 60_000, 3, { kind: 'wait', ms: 3_000 }],
    ['up to 5 s', ['in-progress'], 30_000, 60_000, 12, { kind: 'wait', ms: 5_000 }],
    [
      'never past the deadline: the last read is at it',
      ['in-progress'],
      58_500,
      60_000,
      12,
      { kind: 'wait', ms: 1_500 }
    ],
    [
      'at the deadline',
      ['current', 'in-progress'],
      60_000,
      60_000,
      13,
      { kind: 'done', health: 'unhealthy', why: 'timeout' }
    ],
    [
      'timeout 0: one read',
      ['in-progress'],
      0,
      0,
      1,
      { kind: 'done', health: 'unhealthy', why: 'timeout' }
    ]
  ])('%s', (_name, verdicts, elapsedMs, timeoutMs, reads, expected) => {
    expect(nextPoll({ verdicts, elapsedMs, timeoutMs, reads })).toEqual(expected)
  })

  it('the interval rises from 2 s to 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 100].map(pollInterval)).toEqual([
      2000, 2000, 3000, 4000, 5000, 5000, 5000
    ])
  })
})
