import { afterEach, describe, expect, it } from 'vitest'
import { createApi } from '../../../src/github/api.ts'
import type { GitHubEvent } from '../../../src/github/event.ts'
import {
  DRIFT_LABEL,
  issueTitle,
  ownIssue,
  syncDriftIssues
} from '../../../src/github/drift-issues.ts'
import {
  GITHUB_TOKEN_LOGIN,
  issueHandlers,
  startGitHubApiServer,
  type FakeIssue,
  type GitHubApiServer
} from '../../support/github-api-server.ts'

const event = {
  name: 'schedule',
  sha: 'a'.repeat(40),
  ref: 'refs/heads/main',
  repository: { owner: 'octo', repo: 'ops' },
  workflow: { file: 'drift.yml', runId: 7, runNumber: 7, runUrl: undefined },
  payload: {},
  cron: undefined
} satisfies GitHubEvent

let server: GitHubApiServer | undefined
afterEach(async () => {
  await server?.close()
  delete process.env.GITHUB_API_URL
})

async function api(issues: FakeIssue[], viewer?: string) {
  server = await startGitHubApiServer(issueHandlers(issues, viewer))
  process.env.GITHUB_API_URL = server.url
  return createApi('ghs_token', event)
}

describe('syncDriftIssues: one issue a setup, against the OpenAPI-checked API server', () => {
  it('opens on drift, edits while drift stays, closes when clean; other issues are left alone', async () => {
    const issues: FakeIssue[] = [
      { number: 1, title: 'unrelated', body: '', state: 'open', labels: [DRIFT_LABEL] },
      { number: 2, title: issueTitle('a/b'), body: '', state: 'open', labels: ['bug'] },
      {
        number: 3,
        title: issueTitle('a/b'),
        body: '',
        state: 'open',
        labels: [DRIFT_LABEL],
        pullRequest: true
      }
    ]
    const github = await api(issues)
    const first = await syncDriftIssues(github, [
      { setup: 'a/b', drifted: true, body: 'drift one' },
      { setup: 'c/d', drifted: false, body: 'clean' }
    ])
    expect(first).toEqual([
      { setup: 'a/b', change: 'opened', number: 4 },
      { setup: 'c/d', change: 'none', number: undefined }
    ])
    expect(issues[3]).toEqual({
      number: 4,
      title: 'Drift in setup a/b',
      body: 'drift one',
      state: 'open',
      labels: [DRIFT_LABEL],
      author: GITHUB_TOKEN_LOGIN
    })

    expect(
      await syncDriftIssues(github, [{ setup: 'a/b', drifted: true, body: 'drift two' }])
    ).toEqual([{ setup: 'a/b', change: 'edited', number: 4 }])
    expect(issues[3]).toMatchObject({ body: 'drift two', state: 'open' })

    expect(
      await syncDriftIssues(github, [{ setup: 'a/b', drifted: false, body: 'clean now' }])
    ).toEqual([{ setup: 'a/b', change: 'closed', number: 4 }])
    expect(issues[3]).toMatchObject({ body: 'clean now', state: 'closed' })
    expect(issues.slice(0, 3).map((i) => [i.state, i.body])).toEqual([
      ['open', ''],
      ['open', ''],
      ['open', '']
    ])
    expect(server!.violations).toEqual([])
    // Who the token is is asked beside each listing; the order of the two is free.
    const rest = server!.requests.filter((r) => r.operationId !== 'graphql/viewer')
    expect(rest.map((r) => `${r.method} ${r.operationId} ${r.status}`)).toEqual([
      'GET issues/list-for-repo 200',
      'POST issues/create 201',
      'GET issues/list-for-repo 200',
      'PATCH issues/update 200',
      'GET issues/list-for-repo 200',
      'PATCH issues/update 200'
    ])
    expect(server!.requests.filter((r) => r.operationId === 'graphql/viewer')).toHaveLength(3)
  })

  it.each([
    ['GITHUB_TOKEN', GITHUB_TOKEN_LOGIN],
    ['a GitHub App token', 'deployer[bot]'],
    ['a personal access token', 'octocat']
  ])(
    "with %s, only the token's own issue is edited or closed; another author's is left alone",
    async (_token, viewer) => {
      const others = ['mallory', GITHUB_TOKEN_LOGIN, 'deployer[bot]', 'deployer', 'octocat']
        .filter((login) => login !== viewer)
        .map((author, i): FakeIssue => ({
          number: i + 1,
          title: issueTitle('a/b'),
          body: 'not ours',
          state: 'open',
          labels: [DRIFT_LABEL],
          author
        }))
      const issues = [...others.map((i) => ({ ...i }))]
      const github = await api(issues, viewer)
      const opened = await syncDriftIssues(github, [{ setup: 'a/b', drifted: true, body: 'one' }])
      const ours = others.length + 1
      expect(opened).toEqual([{ setup: 'a/b', change: 'opened', number: ours }])
      expect(
        await syncDriftIssues(github, [{ setup: 'a/b', drifted: false, body: 'clean' }])
      ).toEqual([{ setup: 'a/b', change: 'closed', number: ours }])
      expect(issues).toEqual([
        ...others,
        {
          number: ours,
          title: issueTitle('a/b'),
          body: 'clean',
          state: 'closed',
          labels: [DRIFT_LABEL],
          author: viewer
        }
      ])
      expect(server!.violations).toEqual([])
    }
  )

  it('no setup checked: no API call', async () => {
    const github = await api([])
    expect(await syncDriftIssues(github, [])).toEqual([])
    expect(server!.requests).toEqual([])
  })

  it('an API that refuses (no issues: write) is an error naming the call', async () => {
    server = await startGitHubApiServer({
      ...issueHandlers([]),
      'issues/list-for-repo': () => ({
        status: 404,
        body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }
      })
    })
    process.env.GITHUB_API_URL = server.url
    await expect(
      syncDriftIssues(createApi('ghs_token', event), [{ setup: 'a/b', drifted: true, body: 'x' }])
    ).rejects.toThrow(/^listing the open issues labelled gitops-drift failed \(HTTP 404\)/)
  })
})

describe('ownIssue', () => {
  const me = GITHUB_TOKEN_LOGIN
  const issue = (number: number, title: string, author: string | undefined) => ({
    number,
    title,
    author
  })
  it.each([
    ["mine, the setup's title", issue(1, issueTitle('a/b'), me), true],
    ["another user's, same title", issue(1, issueTitle('a/b'), 'mallory'), false],
    ["another App's bot, same title", issue(1, issueTitle('a/b'), 'other[bot]'), false],
    ['my name without [bot]', issue(1, issueTitle('a/b'), 'github-actions'), false],
    ['a deleted account', issue(1, issueTitle('a/b'), undefined), false],
    ["mine, another setup's", issue(1, issueTitle('a/bc'), me), false],
    ['mine, another title', issue(1, `Re: ${issueTitle('a/b')}`, me), false]
  ])('%s', (_name, candidate, ours) => {
    expect(ownIssue([candidate], 'a/b', me)).toEqual(ours ? candidate : undefined)
  })

  it('takes the oldest of mine', () => {
    const issues = [
      issue(1, issueTitle('a/b'), 'mallory'),
      issue(2, issueTitle('a/b'), me),
      issue(3, issueTitle('a/b'), me)
    ]
    expect(ownIssue(issues, 'a/b', me)?.number).toBe(2)
  })
})
