import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApi } from '../../../src/github/api.ts'
import { readEvent } from '../../../src/github/event.ts'
import { commentMarker, ownComment, upsertComment } from '../../../src/github/pr-comment.ts'
import {
  finalStatus,
  finishDeployments,
  startDeployments
} from '../../../src/github/deployments.ts'
import { apiServerPerTest } from '../../support/api-server-per-test.ts'
import { pushPayload, runnerEnv } from '../../support/events.ts'
import { writeHandlers, type WriteState } from '../../support/github-api-server.ts'
import type { Result } from '../../../src/types/results.ts'

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
      {
        id: (first as { id: number }).id,
        issue: 7,
        author: 'github-actions[bot]',
        body: `${marker}\nsecond`
      }
    ])
    // With no plan affected, the comment is corrected but never started.
    const quiet = await upsertComment(github, 8, marker, `${marker}\nnothing`, false)
    expect(quiet).toEqual({ kind: 'none' })
    // Another workflow's comment has another marker.
    const other = await upsertComment(github, 7, commentMarker('other.yml'), 'x')
    expect(other.kind).toBe('created')
  })

  it.each([
    ['GITHUB_TOKEN', 'github-actions[bot]'],
    ['a GitHub App token', 'deployer[bot]'],
    ['a personal access token', 'octocat']
  ])(
    "with %s, only the token's own comment is edited; another author's is left alone",
    async (_token, viewer) => {
      const marker = commentMarker('deploy.yml')
      const others = ['mallory', 'github-actions[bot]', 'deployer[bot]', 'octocat']
        .filter((login) => login !== viewer)
        .map((author, i) => ({ id: i + 1, author, body: `${marker}\nnot ours` }))
      const state: WriteState = {
        comments: [...others, { id: 50, author: viewer, body: `${marker}\nold` }],
        deployments: [],
        viewer
      }
      const outcome = await upsertComment(await api(state), 7, marker, `${marker}\nnew`)
      expect(outcome).toEqual({ kind: 'updated', id: 50 })
      expect(state.comments.map((c) => c.body)).toEqual([
        ...others.map(() => `${marker}\nnot ours`),
        `${marker}\nnew`
      ])
    }
  )

  it('a read-only token (a fork) is skipped with the reason, never thrown', async () => {
    const state: WriteState = { comments: [], deployments: [], forbidden: true }
    const outcome = await upsertComment(await api(state), 7, commentMarker('d.yml'), 'body')
    expect(outcome.kind).toBe('skipped')
    expect((outcome as { reason: string }).reason).toMatch(/pull-requests: write.*job summary/)
    expect(state.comments).toEqual([])
  })
})

describe('ownComment', () => {
  const marker = commentMarker('deploy.yml')
  const me = 'github-actions[bot]'
  it.each([
    ['mine, marker first', { author: me, body: `${marker}\ndiff` }, true],
    ['mine, marker alone', { author: me, body: marker }, true],
    ["another user's, same marker", { author: 'mallory', body: `${marker}\ndiff` }, false],
    ["another app's bot, same marker", { author: 'other[bot]', body: `${marker}\ndiff` }, false],
    ['my name without [bot]', { author: 'github-actions', body: `${marker}\ndiff` }, false],
    ['a deleted account', { author: undefined, body: `${marker}\ndiff` }, false],
    ['mine, marker not first', { author: me, body: `quote:\n${marker}` }, false],
    ['mine, another workflow', { author: me, body: commentMarker('other.yml') }, false]
  ])('%s', (_name, comment, ours) => {
    expect(ownComment([{ id: 1, ...comment }], marker, me)).toEqual(
      ours ? { id: 1, ...comment } : undefined
    )
  })

  it('takes the oldest of several', () => {
    const comments = [
      { id: 1, author: 'mallory', body: marker },
      { id: 2, author: me, body: marker },
      { id: 3, author: me, body: marker }
    ]
    expect(ownComment(comments, marker, me)?.id).toBe(2)
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
      'an earlier wave failed: not touched',
      {
        kind: 'finished',
        results: [
          {
            ...result('local/a', 'skipped'),
            operation: null,
            notes: [
              'not run: wave 1 failed (setup local/b: local/b/ns/web.yaml failed); the next run deploys it'
            ]
          }
        ],
        cancelled: false
      },
      'error',
      'not deployed: wave 1 failed (setup local/b: local/b/ns/web.yaml failed); the next run deploys it'
    ],
    [
      'a plan left alone on purpose (suspend) is no failure',
      {
        kind: 'finished',
        results: [{ ...result('local/a', 'skipped'), notes: ['suspend: true: left alone'] }],
        cancelled: false
      },
      'success',
      '1 plan(s) deployed'
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
