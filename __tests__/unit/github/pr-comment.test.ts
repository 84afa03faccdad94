import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApi } from '../../../src/github/api.ts'
import { readEvent } from '../../../src/github/event.ts'
import { commentMarker, upsertComment } from '../../../src/github/pr-comment.ts'
import {
  finalStatus,
  finishDeployments,
  startDeployments
} from '../../../src/github/deployments.ts'
import { apiServerPerTest } from '../../support/api-server-per-test.ts'
import { pushPayload, runnerEnv } from '../../support/events.ts'
import { writeHandlers, type WriteState } from '../../support/github-api-server.ts'
import type { Result } from '../../../src/types.ts'

const serve = apiServerPerTest()
afterEach(() => vi.unstubAllEnvs())

const SHA = 'a'.repeat(40)

async function api(state: WriteState) {
  await serve(writeHandlers(state))
  const event = readEvent(
    await runnerEnv({
      name: 'push',
      payload: pushPayload({ before: 'b'.repeat(40), after: SHA }),
      sha: SHA
    })
  )
  return createApi('test-token', event)
}

describe('the sticky pull request comment', () => {
  it('is created once, then edited in place; other comments are left alone', async () => {
    const state: WriteState = { comments: [{ id: 1, body: 'LGTM' }], deployments: [] }
    const github = await api(state)
    const marker = commentMarker('deploy.yml')
    expect(marker).toBe('<!-- gitops-action diff deploy.yml -->')
    const first = await upsertComment(github, 7, marker, `${marker}\nfirst`)
    const second = await upsertComment(github, 7, marker, `${marker}\nsecond`)
    expect(first.kind).toBe('created')
    expect(second).toEqual({ kind: 'updated', id: (first as { id: number }).id })
    expect(state.comments).toEqual([
      { id: 1, body: 'LGTM' },
      { id: (first as { id: number }).id, issue: 7, body: `${marker}\nsecond` }
    ])
    // With no plan affected, the comment is corrected but never started.
    const quiet = await upsertComment(github, 8, marker, `${marker}\nnothing`, false)
    expect(quiet).toEqual({ kind: 'none' })
    // Another workflow's comment has another marker.
    const other = await upsertComment(github, 7, commentMarker('other.yml'), 'x')
    expect(other.kind).toBe('created')
  })

  it('a read-only token (a fork) is skipped with the reason, never thrown', async () => {
    const state: WriteState = { comments: [], deployments: [], forbidden: true }
    const outcome = await upsertComment(await api(state), 7, commentMarker('d.yml'), 'body')
    expect(outcome.kind).toBe('skipped')
    expect((outcome as { reason: string }).reason).toMatch(/pull-requests: write.*job summary/)
    expect(state.comments).toEqual([])
  })
})

describe('GitHub Deployments', () => {
  const result = (setup: string, status: Result['status']): Result => ({
    setup,
    namespace: 'ns',
    release: 'r',
    plan: `${setup}/ns/r.yaml`,
    chart: 'c',
    version: '',
    operation: 'upgrade',
    status,
    revision: 1,
    durationMs: 1,
    error: null,
    notes: []
  })

  it('one per setup, in_progress then success or failure, with the run link', async () => {
    const state: WriteState = { comments: [], deployments: [] }
    const github = await api(state)
    const logUrl = 'https://github.com/o/r/actions/runs/5'
    const started = await startDeployments(github, {
      setups: ['local/a', 'local/b'],
      sha: SHA,
      template: 'prod-{setup}',
      logUrl
    })
    expect(started.problems).toEqual([])
    const problems = await finishDeployments(
      github,
      started,
      {
        kind: 'finished',
        results: [result('local/a', 'succeeded'), result('local/b', 'failed')],
        cancelled: false
      },
      logUrl
    )
    expect(problems).toEqual([])
    expect(
      state.deployments.map((d) => [d.environment, d.ref, d.statuses.map((s) => s.state)])
    ).toEqual([
      ['prod-local/a', SHA, ['in_progress', 'success']],
      ['prod-local/b', SHA, ['in_progress', 'failure']]
    ])
    expect(state.deployments[0]?.statuses.every((s) => s.log_url === logUrl)).toBe(true)
  })

  it.each([
    [
      'all succeeded',
      { kind: 'finished', results: [result('local/a', 'succeeded')], cancelled: false },
      'success',
      '1 plan(s) deployed'
    ],
    [
      'one failed',
      {
        kind: 'finished',
        results: [result('local/a', 'failed'), result('local/a', 'succeeded')],
        cancelled: false
      },
      'failure',
      '1 of 2 plan(s) failed'
    ],
    [
      'cancelled, nothing failed',
      { kind: 'finished', results: [result('local/a', 'skipped')], cancelled: true },
      'error',
      'the run was cancelled; 0 of 1 plan(s) failed, the rest may not have run'
    ],
    [
      'stopped by an error',
      { kind: 'stopped' },
      'error',
      'the run stopped with an error: see its log'
    ]
  ] as const)('final state when %s', (_name, end, state, description) => {
    expect(finalStatus(end, 'local/a')).toEqual({ state, description })
  })

  it('without deployments: write the problem is told, not thrown', async () => {
    const state: WriteState = { comments: [], deployments: [], forbidden: true }
    const started = await startDeployments(await api(state), {
      setups: ['local/a'],
      sha: SHA,
      template: '{setup}',
      logUrl: undefined
    })
    expect(started.ids.size).toBe(0)
    expect(started.problems[0]).toMatch(/setup local\/a: creating a deployment .*HTTP 403/)
  })
})
