import { describe, expect, it } from 'vitest'
import { runKindOf, type RunEvent, type RunInputs } from '../../../src/run-kind.ts'
import type { Scope } from '../../../src/types/changes.ts'
import type { RunKind } from '../../../src/types/plan.ts'

const INPUTS: RunInputs = {
  dryRun: false,
  mode: 'deploy',
  drift: 'report',
  failOnDrift: false,
  prune: false,
  ownershipKey: undefined,
  driftIssues: false
}
const PUSH: RunEvent = { name: 'push' }
const DISPATCH: RunEvent = { name: 'workflow_dispatch' }
const SCHEDULE: RunEvent = { name: 'schedule' }
const PR: RunEvent = { name: 'pull_request', number: 42 }
const DRIFT = { failOnDrift: false, pruneWithoutKey: false, issues: false }

describe('runKindOf: the one decision of what a run does', () => {
  it.each<[string, RunEvent, Partial<RunInputs>, Scope['kind'], RunKind]>([
    ['a push of changes deploys them', PUSH, {}, 'diff', { kind: 'deploy' }],
    ['a new branch re-syncs every plan', PUSH, {}, 'all', { kind: 'resync' }],
    ['a push with nothing in scope is a deploy of nothing', PUSH, {}, 'none', { kind: 'deploy' }],
    ['a dispatch re-syncs', DISPATCH, {}, 'all', { kind: 'resync' }],
    ['a pull request previews', PR, {}, 'diff', { kind: 'preview', pullRequest: 42 }],
    [
      'a pull request previews, dry run or not',
      PR,
      { dryRun: true },
      'diff',
      { kind: 'preview', pullRequest: 42 }
    ],
    [
      'a dry-run push previews, with no comment',
      PUSH,
      { dryRun: true },
      'diff',
      { kind: 'preview', pullRequest: undefined }
    ],
    [
      'a dry-run dispatch previews',
      DISPATCH,
      { dryRun: true },
      'all',
      { kind: 'preview', pullRequest: undefined }
    ],
    ['a schedule reports drift', SCHEDULE, {}, 'all', { kind: 'drift-report', ...DRIFT }],
    [
      'a schedule with drift: correct corrects it',
      SCHEDULE,
      { drift: 'correct' },
      'all',
      { kind: 'drift-correct', ...DRIFT }
    ],
    [
      'a dispatch with mode: drift checks drift',
      DISPATCH,
      { mode: 'drift' },
      'all',
      { kind: 'drift-report', ...DRIFT }
    ],
    [
      'a dry-run schedule stays a render: no cluster is read',
      SCHEDULE,
      { dryRun: true },
      'all',
      { kind: 'preview', pullRequest: undefined }
    ],
    ['mode: drift on a push still deploys', PUSH, { mode: 'drift' }, 'diff', { kind: 'deploy' }],
    [
      'a drift check carries fail-on-drift and drift-issues',
      SCHEDULE,
      { failOnDrift: true, driftIssues: true },
      'all',
      { kind: 'drift-report', ...DRIFT, failOnDrift: true, issues: true }
    ],
    [
      'prune without ownership-key is told',
      SCHEDULE,
      { prune: true },
      'all',
      { kind: 'drift-report', ...DRIFT, pruneWithoutKey: true }
    ],
    [
      'prune with ownership-key is not',
      SCHEDULE,
      { prune: true, ownershipKey: 'k'.repeat(64) },
      'all',
      { kind: 'drift-report', ...DRIFT }
    ]
  ])('%s', (_name, event, inputs, scope, expected) => {
    expect(runKindOf(event, { ...INPUTS, ...inputs }, { kind: scope })).toEqual(expected)
  })
})
