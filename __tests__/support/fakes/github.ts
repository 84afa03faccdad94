import type * as github from '@actions/github'
import { vi } from 'vitest'

// A typed fake of @actions/github: getOctokit gives a client whose REST calls (the three
// that src/github/api.ts makes) a test answers. Mock the module with
// vi.mock('@actions/github', () => import('.../fakes/github.ts')).

type Rest = ReturnType<typeof github.getOctokit>['rest']
type Call<T extends (...args: never[]) => unknown> = (
  ...args: Parameters<T>
) => Promise<{ data: unknown }>

export const rest = {
  actions: {
    listWorkflowRuns: vi.fn<Call<Rest['actions']['listWorkflowRuns']>>()
  },
  repos: {
    compareCommitsWithBasehead: vi.fn<Call<Rest['repos']['compareCommitsWithBasehead']>>()
  },
  git: {
    getTree: vi.fn<Call<Rest['git']['getTree']>>()
  }
}

export const getOctokit = vi.fn<typeof github.getOctokit>(
  () => ({ rest }) as unknown as ReturnType<typeof github.getOctokit>
)

/** No answers and no calls recorded: each test gives the answers it needs. */
export function resetGithub(): void {
  for (const call of [
    rest.actions.listWorkflowRuns,
    rest.repos.compareCommitsWithBasehead,
    rest.git.getTree
  ])
    call.mockReset()
  getOctokit.mockClear()
}
