import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { createApi } from '../../../src/github/api.ts'
import { readEvent } from '../../../src/github/event.ts'
import { apiServerPerTest } from '../../support/api-server-per-test.ts'
import { pushPayload, runnerEnv } from '../../support/events.ts'
import { hang, startFaultServer } from '../../support/fault-servers.ts'
import { GitRepo, removeTempDirs } from '../../support/git-repo.ts'
import {
  pullRequestHandlers,
  repositoryHandlers,
  startGitHubApiServer,
  writeHandlers
} from '../../support/github-api-server.ts'
import type {
  FakePullRequest,
  FakeRun,
  PullState,
  WriteState
} from '../../support/github-api-server.ts'

afterAll(removeTempDirs)
// Real git processes: slow on a busy 2-core runner, never wrong.
vi.setConfig({ testTimeout: 60_000 })

const serve = apiServerPerTest()
afterEach(() => vi.unstubAllEnvs())

async function pushEvent(before: string, after: string, runNumber = 50) {
  const env = await runnerEnv({
    name: 'push',
    payload: pushPayload({ before, after }),
    sha: after,
    runId: 9000,
    runNumber
  })
  return readEvent(env)
}

const SHA = (n: number): string => n.toString(16).padStart(40, 'a')

describe('lastSuccessfulRun', () => {
  const origin = '/nonexistent'
  it('takes the newest successful push run on this branch older than this run', async () => {
    const runs: FakeRun[] = [
      { id: 101, runNumber: 40, headSha: SHA(1), conclusion: 'success' },
      { id: 102, runNumber: 41, headSha: SHA(2), conclusion: 'failure' },
      { id: 103, runNumber: 42, headSha: SHA(3), conclusion: 'cancelled' },
      { id: 104, runNumber: 43, headSha: SHA(4), conclusion: 'skipped' },
      { id: 105, runNumber: 44, headSha: SHA(5), conclusion: 'success', branch: 'other' },
      {
        id: 106,
        runNumber: 45,
        headSha: SHA(6),
        conclusion: 'success',
        event: 'workflow_dispatch'
      },
      // A newer push whose run finished first is not this run's base.
      { id: 107, runNumber: 51, headSha: SHA(7), conclusion: 'success' },
      // This very run (a re-run attempt) is not its own base.
      { id: 9000, runNumber: 50, headSha: SHA(8), conclusion: 'success' }
    ]
    const server = await serve(repositoryHandlers({ origin, runs }))
    const api = createApi('test-token', await pushEvent(SHA(9), SHA(10)))
    expect(await api.lastSuccessfulRun()).toEqual({ id: 101, runNumber: 40, headSha: SHA(1) })
    const [request] = server.requests
    expect(request?.url).toMatch(/^\/repos\/octo-org\/ops\/actions\/workflows\/deploy.yml\/runs\?/)
    expect(request?.url).toContain('branch=main')
    expect(request?.url).toContain('status=success')
    expect(request?.url).toContain('event=push')
  })

  it('pages past a long streak of newer runs', async () => {
    const runs: FakeRun[] = Array.from({ length: 150 }, (_, i) => ({
      id: 1000 + i,
      runNumber: 100 + i,
      headSha: SHA(i),
      conclusion: 'success' as const
    }))
    const server = await serve(repositoryHandlers({ origin, runs }))
    const api = createApi('test-token', await pushEvent(SHA(9), SHA(10), 120))
    expect(await api.lastSuccessfulRun()).toEqual({ id: 1019, runNumber: 119, headSha: SHA(19) })
    expect(server.requests.map((r) => r.status)).toEqual([200, 200])
  })

  it('is undefined when no run succeeded yet', async () => {
    await serve(
      repositoryHandlers({
        origin,
        runs: [{ id: 1, runNumber: 1, headSha: SHA(1), conclusion: 'failure' }]
      })
    )
    expect(
      await createApi('test-token', await pushEvent(SHA(9), SHA(10))).lastSuccessfulRun()
    ).toBeUndefined()
  })

  it('names the call and the HTTP status when the token may not read runs', async () => {
    await serve({
      'actions/list-workflow-runs': () => ({
        status: 403,
        body: {
          message: 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest'
        }
      })
    })
    await expect(
      createApi('test-token', await pushEvent(SHA(9), SHA(10))).lastSuccessfulRun()
    ).rejects.toThrow(
      /^listing workflow runs failed \(HTTP 403\): Resource not accessible by integration/
    )
  })

  it('stops a hanging call at once when the run is cancelled', async () => {
    const hanging = await startFaultServer({ '*': [hang] })
    try {
      vi.stubEnv('GITHUB_API_URL', hanging.url)
      const cancel = new AbortController()
      const api = createApi('test-token', await pushEvent(SHA(9), SHA(10)), cancel.signal)
      const started = performance.now()
      const call = api.lastSuccessfulRun()
      setTimeout(() => cancel.abort(), 300)
      await expect(call).rejects.toThrow(/^listing workflow runs stopped: the run was cancelled$/)
      expect(performance.now() - started).toBeLessThan(2_000)
      expect(hanging.requests).toHaveLength(1)
    } finally {
      await hanging.close()
    }
  })

  it('after a cancellation, still ends a deployment (its last word) but starts nothing new', async () => {
    const state: WriteState = { comments: [], deployments: [] }
    await serve(writeHandlers(state))
    const cancel = new AbortController()
    const api = createApi('test-token', await pushEvent(SHA(9), SHA(10)), cancel.signal)
    const id = await api.createDeployment(SHA(10), 'prod', 'setup')
    await api.deploymentStatus(id, 'in_progress', undefined, 'deploying')
    cancel.abort()
    await expect(api.deploymentStatus(id, 'in_progress', undefined, 'again')).rejects.toThrow(
      /the run was cancelled/
    )
    await api.deploymentStatus(id, 'error', undefined, 'the run was cancelled')
    expect(state.deployments[0]?.statuses.map((s) => s.state)).toEqual(['in_progress', 'error'])
  })

  it('refuses to call without a token', async () => {
    await expect(
      createApi('', await pushEvent(SHA(9), SHA(10))).lastSuccessfulRun()
    ).rejects.toThrow('listing workflow runs: no github-token')
  })
})

describe('compare and tree, answered from a real repository', () => {
  it('pages through commits and lists files with renames', async () => {
    const repo = await GitRepo.create()
    await repo.write({ 'a/b/ns/old.yaml': 'chart: a/b\n', 'keep.txt': '1' })
    const base = await repo.commit()
    await repo.move('a/b/ns/old.yaml', 'a/b/ns/new.yaml')
    await repo.write({ 'keep.txt': '2' })
    await repo.commit()
    const head = await repo.emptyCommits(120)
    const server = await serve(repositoryHandlers({ origin: await repo.bareOrigin() }))

    const comparison = await createApi('test-token', await pushEvent(base, head)).compare(
      base,
      head
    )
    expect(comparison).toMatchObject({ status: 'ahead', mergeBase: base, complete: true })
    expect(comparison.files).toEqual([
      { filename: 'a/b/ns/new.yaml', status: 'renamed', previousFilename: 'a/b/ns/old.yaml' },
      { filename: 'keep.txt', status: 'modified', previousFilename: undefined }
    ])
    expect(server.requests.map((r) => r.url.replace(/^.*\?/, ''))).toEqual([
      'per_page=100&page=1',
      'per_page=100&page=2'
    ])
  })

  it('says the list is incomplete at the 300-file cap', async () => {
    const repo = await GitRepo.create()
    const base = await repo.commit()
    await repo.write(
      Object.fromEntries(Array.from({ length: 301 }, (_, i) => [`f/${i}.txt`, String(i)]))
    )
    const head = await repo.commit()
    await serve(repositoryHandlers({ origin: await repo.bareOrigin() }))
    const comparison = await createApi('test-token', await pushEvent(base, head)).compare(
      base,
      head
    )
    expect(comparison.files).toHaveLength(300)
    expect(comparison.complete).toBe(false)
  })

  it('reads a whole tree', async () => {
    const repo = await GitRepo.create()
    await repo.write({ 'a/b/ns/x.yaml': 'chart: a/b\n', 'top.txt': 't' })
    const head = await repo.commit()
    await serve(repositoryHandlers({ origin: await repo.bareOrigin() }))
    const tree = await createApi('test-token', await pushEvent(head, head)).tree(head)
    expect(tree.truncated).toBe(false)
    expect(tree.files.map((f) => f.path).sort()).toEqual(['a/b/ns/x.yaml', 'top.txt'])
    expect(tree.files.every((f) => /^[0-9a-f]{40}$/.test(f.sha))).toBe(true)
  })
})

describe('pull requests', () => {
  const branch = 'gitops/promote/aws/prod'
  const text = { title: 'Promote', body: 'body', base: 'main' }

  it('lists those of one head branch of this repository, open and closed, newest first', async () => {
    const pulls: FakePullRequest[] = [
      { number: 1, head: branch, base: 'main', title: 'a', body: 'x', state: 'closed' },
      { number: 2, head: 'other', base: 'main', title: 'b', body: '', state: 'open' },
      { number: 3, head: branch, base: 'main', title: 'c', body: 'y', state: 'open' },
      { number: 4, head: branch, base: 'main', title: 'd', body: '', state: 'closed', merged: true }
    ]
    const server = await serve(pullRequestHandlers({ pulls }))
    const api = createApi('token', await pushEvent(SHA(1), SHA(2)))
    expect(await api.pullRequests(branch)).toEqual([
      {
        number: 4,
        url: 'https://github.com/octo-org/ops/pull/4',
        open: false,
        merged: true,
        body: ''
      },
      {
        number: 3,
        url: 'https://github.com/octo-org/ops/pull/3',
        open: true,
        merged: false,
        body: 'y'
      },
      {
        number: 1,
        url: 'https://github.com/octo-org/ops/pull/1',
        open: false,
        merged: false,
        body: 'x'
      }
    ])
    expect(server.requests.map((r) => r.url)).toEqual([
      `/repos/octo-org/ops/pulls?head=octo-org%3Agitops%2Fpromote%2Faws%2Fprod&state=all&sort=created&direction=desc&per_page=100`
    ])
  })

  it('opens one from a branch, and edits its title, body and base', async () => {
    const state: PullState = { pulls: [] }
    await serve(pullRequestHandlers(state))
    const api = createApi('token', await pushEvent(SHA(1), SHA(2)))
    const opened = await api.createPullRequest(branch, text)
    expect(opened).toMatchObject({ number: 1, open: true })
    await api.updatePullRequest(1, { title: 'Promote 2', body: 'new', base: 'release' })
    expect(state.pulls).toEqual([
      { number: 1, head: branch, base: 'release', title: 'Promote 2', body: 'new', state: 'open' }
    ])
  })

  it('names the call and the HTTP status when the token may not write them', async () => {
    await serve(pullRequestHandlers({ pulls: [], forbidden: true }))
    const api = createApi('token', await pushEvent(SHA(1), SHA(2)))
    await expect(api.createPullRequest(branch, text)).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(
        /^opening a pull request from gitops\/promote\/aws\/prod failed \(HTTP 403\)/
      )
    })
  })
})

describe('the local API server', () => {
  it('records requests and responses that stray from the OpenAPI description', async () => {
    const bad = await startGitHubApiServer({
      'actions/list-workflow-runs': () => ({
        status: 200,
        body: { total_count: 'many', workflow_runs: [] }
      })
    })
    try {
      await fetch(`${bad.url}/repos/o/r/actions/workflows/x.yml/runs?status=great&bogus=1`)
      await fetch(`${bad.url}/repos/o/r/no/such/thing`, { headers: { authorization: 'token x' } })
      expect(bad.violations).toEqual([
        expect.stringContaining(
          'query parameter status=great: data must be equal to one of the allowed values'
        ),
        expect.stringContaining('unknown query parameter bogus'),
        expect.stringContaining('no token in the Authorization header'),
        expect.stringContaining('body: data/total_count must be integer'),
        'GET /repos/o/r/no/such/thing: no such operation in the OpenAPI description'
      ])
    } finally {
      await bad.close()
    }
  })
})
