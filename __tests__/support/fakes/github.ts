import type * as github from '@actions/github'
import { vi } from 'vitest'

// A typed fake of @actions/github: getOctokit gives a client whose REST calls and GraphQL
// query (those src/github/api.ts makes) a test answers. Mock the module with
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
    compareCommitsWithBasehead: vi.fn<Call<Rest['repos']['compareCommitsWithBasehead']>>(),
    createDeployment:
      vi.fn<
        (
          ...args: Parameters<Rest['repos']['createDeployment']>
        ) => Promise<{ status: number; data: unknown }>
      >(),
    createDeploymentStatus: vi.fn<Call<Rest['repos']['createDeploymentStatus']>>(),
    listCommentsForCommit: vi.fn<Call<Rest['repos']['listCommentsForCommit']>>(),
    createCommitComment: vi.fn<Call<Rest['repos']['createCommitComment']>>(),
    updateCommitComment: vi.fn<Call<Rest['repos']['updateCommitComment']>>()
  },
  git: {
    getTree: vi.fn<Call<Rest['git']['getTree']>>()
  },
  issues: {
    listComments: vi.fn<Call<Rest['issues']['listComments']>>(),
    createComment: vi.fn<Call<Rest['issues']['createComment']>>(),
    updateComment: vi.fn<Call<Rest['issues']['updateComment']>>(),
    listForRepo: vi.fn<Call<Rest['issues']['listForRepo']>>(),
    create: vi.fn<Call<Rest['issues']['create']>>(),
    update: vi.fn<Call<Rest['issues']['update']>>()
  }
}

/** The GraphQL query api.ts makes: who the token is. */
export const graphql = vi.fn<(query: string, parameters?: object) => Promise<unknown>>()

export const getOctokit = vi.fn<typeof github.getOctokit>(
  () => ({ rest, graphql }) as unknown as ReturnType<typeof github.getOctokit>
)

/** No answers and no calls recorded: each test gives the answers it needs. */
export function resetGithub(): void {
  for (const call of [
    ...Object.values(rest.actions),
    ...Object.values(rest.repos),
    ...Object.values(rest.git),
    ...Object.values(rest.issues),
    graphql
  ])
    call.mockReset()
  getOctokit.mockClear()
}
