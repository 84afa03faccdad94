import { describe, expect, it } from 'vitest'
import { ApiError, type GitHubApi, type PullRequest } from '../../../src/github/api.ts'
import { openOrUpdate } from '../../../src/promote/promote.ts'

const text = { title: 't', body: 'b', base: 'main' }
const pr = (number: number, open = true): PullRequest => ({
  number,
  url: `https://github.example/o/r/pull/${number}`,
  open,
  merged: false,
  body: ''
})

/** The pull request calls of the API, each answering as given, and what was asked. */
function api(create: () => Promise<PullRequest>, listed: PullRequest[]) {
  const calls: string[] = []
  const stub = {
    createPullRequest: async () => {
      calls.push('create')
      return create()
    },
    pullRequests: async () => {
      calls.push('list')
      return listed
    },
    updatePullRequest: async (number: number) => {
      calls.push(`update #${number}`)
      return pr(number)
    }
  } as Partial<GitHubApi> as GitHubApi
  return { stub, calls }
}

describe('opening the pull request of a branch', () => {
  it('opens it', async () => {
    const { stub, calls } = api(async () => pr(3), [])
    expect(await openOrUpdate(stub, 'gitops/promote/b', text)).toEqual(pr(3))
    expect(calls).toEqual(['create'])
  })

  it('updates the one a concurrent run opened first (GitHub refuses a second: 422)', async () => {
    const refused = async (): Promise<PullRequest> => {
      throw new ApiError('A pull request already exists for o:gitops/promote/b.', 422)
    }
    const { stub, calls } = api(refused, [pr(1, false), pr(2)])
    expect(await openOrUpdate(stub, 'gitops/promote/b', text)).toEqual(pr(2))
    expect(calls).toEqual(['create', 'list', 'update #2'])
  })

  it('passes any other refusal on', async () => {
    const forbidden = async (): Promise<PullRequest> => {
      throw new ApiError('Resource not accessible by integration', 403)
    }
    const { stub, calls } = api(forbidden, [pr(2)])
    await expect(openOrUpdate(stub, 'gitops/promote/b', text)).rejects.toMatchObject({
      status: 403
    })
    expect(calls).toEqual(['create'])
  })
})
