import { afterEach, describe, expect, it } from 'vitest'
import { createApi } from '../../../src/github/api.ts'
import type { GitHubEvent } from '../../../src/github/event.ts'
import { DRIFT_LABEL, issueTitle, syncDriftIssues } from '../../../src/github/drift-issues.ts'
import {
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
  mode: 'deploy',
  payload: {},
  cron: undefined
} satisfies GitHubEvent

let server: GitHubApiServer | undefined
afterEach(async () => {
  await server?.close()
  delete process.env.GITHUB_API_URL
})

async function api(issues: FakeIssue[]) {
  server = await startGitHubApiServer(issueHandlers(issues))
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
      labels: [DRIFT_LABEL]
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
    expect(server!.requests.map((r) => `${r.method} ${r.operationId} ${r.status}`)).toEqual([
      'GET issues/list-for-repo 200',
      'POST issues/create 201',
      'GET issues/list-for-repo 200',
      'PATCH issues/update 200',
      'GET issues/list-for-repo 200',
      'PATCH issues/update 200'
    ])
  })

  it('no setup checked: no API call', async () => {
    const github = await api([])
    expect(await syncDriftIssues(github, [])).toEqual([])
    expect(server!.requests).toEqual([])
  })

  it('an API that refuses (no issues: write) is an error naming the call', async () => {
    server = await startGitHubApiServer({
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
