import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApi } from '../../../src/github/api.ts'
import { readEvent } from '../../../src/github/event.ts'
import { resolveScope, type ScopeOptions } from '../../../src/github/scope.ts'
import { apiServerPerTest } from '../../support/api-server-per-test.ts'
import {
  ZERO,
  dispatchPayload,
  example,
  pullRequestPayload,
  pushPayload,
  runnerEnv
} from '../../support/events.ts'
import type { RunnerEvent } from '../../support/events.ts'
import * as core from '../../support/fakes/core.ts'
import { removeTempDirs } from '../../support/git-repo.ts'
import { repositoryHandlers } from '../../support/github-api-server.ts'
import type { FakeRun, GitHubApiServer } from '../../support/github-api-server.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))

afterAll(removeTempDirs)

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const LAST = 'd'.repeat(40)

let server: GitHubApiServer
const runs: FakeRun[] = [
  { id: 10, runNumber: 8, headSha: LAST, conclusion: 'success' },
  { id: 11, runNumber: 9, headSha: A, conclusion: 'cancelled' }
]
const serve = apiServerPerTest()
beforeEach(async () => {
  core.resetCore()
  server = await serve(repositoryHandlers({ origin: '/nonexistent', runs }))
})
afterEach(() => vi.unstubAllEnvs())

async function scopeOf(event: RunnerEvent, options: ScopeOptions = NO_OPTIONS) {
  const read = readEvent(await runnerEnv(event))
  return resolveScope(read, createApi('test-token', read), options)
}

const NO_OPTIONS: ScopeOptions = { dispatchBranches: [], dryRun: false }

/** The push of B onto A, in run `runNumber`. */
const pushAB = (runNumber?: number): RunnerEvent => ({
  name: 'push',
  payload: pushPayload({ before: A, after: B }),
  sha: B,
  ...(runNumber !== undefined && { runNumber })
})

describe('resolveScope', () => {
  it('push: the base is the head of the last successful run, so a cancelled run loses nothing', async () => {
    const scope = await scopeOf(pushAB(10))
    expect(scope).toEqual({
      kind: 'diff',
      base: LAST,
      head: B,
      baseReason: 'head of the last successful run 10'
    })
    expect(core.info).toHaveBeenCalledWith(
      `Diff base: ${LAST} (head of the last successful run 10); head: ${B}.`
    )
  })

  it("push: without an earlier successful run, the push's before", async () => {
    const scope = await scopeOf(pushAB(5))
    expect(scope).toEqual({ kind: 'diff', base: A, head: B, baseReason: 'the push event before' })
  })

  it("push: with the API down, the push's before, and a warning", async () => {
    await server.close()
    const scope = await scopeOf(pushAB())
    expect(scope).toEqual({ kind: 'diff', base: A, head: B, baseReason: 'the push event before' })
    expect(core.warning).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Could not find the last successful run, using the push's before: listing workflow runs failed/
      )
    )
  })

  it('push creating a branch: every plan', async () => {
    const scope = await scopeOf({
      name: 'push',
      payload: pushPayload({ before: ZERO, after: B, ref: 'refs/heads/feature' }),
      sha: B
    })
    expect(scope).toEqual({ kind: 'all', head: B, reason: 'branch feature was created' })
    expect(server.requests).toEqual([])
  })

  it('push deleting a branch: nothing, logged (the report gives the one notice)', async () => {
    const scope = await scopeOf({
      name: 'push',
      payload: pushPayload({ before: A, after: ZERO }),
      sha: A
    })
    expect(scope).toEqual({ kind: 'none', reason: 'refs/heads/main was deleted' })
    expect(core.info).toHaveBeenCalledWith('Nothing to deploy: refs/heads/main was deleted.')
    expect(core.notice).not.toHaveBeenCalled()
  })

  it.each([
    ['created', (p: Record<string, unknown>) => p.created === true],
    ['deleted', (p: Record<string, unknown>) => p.deleted === true]
  ])('a tag push (%s, the real example): nothing', async (_what, pick) => {
    const payload = example('push', (p) => String(p.ref).startsWith('refs/tags/') && pick(p))
    const scope = await scopeOf({ name: 'push', payload, sha: B, ref: payload.ref })
    expect(scope).toEqual({
      kind: 'none',
      reason: 'refs/tags/simple-tag is a tag push; plans deploy from branches'
    })
  })

  it('pull_request: the base of the pull request', async () => {
    const scope = await scopeOf({
      name: 'pull_request',
      payload: pullRequestPayload({ baseSha: A, headSha: B, number: 3 }),
      sha: LAST,
      ref: 'refs/pull/3/merge'
    })
    expect(scope).toEqual({ kind: 'diff', base: A, head: LAST, baseReason: 'pull request #3 base' })
    expect(server.requests).toEqual([])
  })

  it.each([
    ['the default branch', 'refs/heads/main', NO_OPTIONS],
    [
      'a branch dispatch-branches allows',
      'refs/heads/release/1',
      { ...NO_OPTIONS, dispatchBranches: ['release/*'] }
    ],
    ['another branch in a dry run', 'refs/heads/feature', { ...NO_OPTIONS, dryRun: true }]
  ])('workflow_dispatch on %s deploys', async (_name, ref, options) => {
    const scope = await scopeOf(
      { name: 'workflow_dispatch', payload: dispatchPayload(ref), sha: B },
      options
    )
    expect(scope.kind).toBe('all')
  })

  it.each([
    ["branch 'feature'", 'refs/heads/feature', { ...NO_OPTIONS, dispatchBranches: ['release/*'] }],
    ["ref 'refs/tags/v1'", 'refs/tags/v1', NO_OPTIONS]
  ])('workflow_dispatch on %s is refused', async (where, ref, options) => {
    await expect(
      scopeOf({ name: 'workflow_dispatch', payload: dispatchPayload(ref), sha: B }, options)
    ).rejects.toThrow(
      `A workflow_dispatch on ${where} does not deploy: only the default branch 'main' does, and branches matched by the dispatch-branches input.`
    )
  })

  it('workflow_dispatch: every plan (the plans input narrows it later)', async () => {
    const scope = await scopeOf({ name: 'workflow_dispatch', payload: dispatchPayload(), sha: B })
    expect(scope).toMatchObject({ kind: 'all', head: B })
  })

  it('schedule: every plan, a drift check of the commit', async () => {
    const scope = await scopeOf({ name: 'schedule', payload: { schedule: '0 * * * *' }, sha: B })
    expect(scope).toEqual({
      kind: 'all',
      head: B,
      reason: "schedule '0 * * * *' (a drift check of the plans the plans input selects)"
    })
  })
})
