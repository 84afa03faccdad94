import { afterEach, expect, vi } from 'vitest'
import { startGitHubApiServer, type GitHubApiServer, type Handlers } from './github-api-server.ts'

/**
 * For a test file that talks to the local API server: the returned `serve(handlers)` starts
 * one for the running test where the action finds it (GITHUB_API_URL). After the test the
 * server is closed, and every request and response must have fit GitHub's published
 * description. Call it at the top of the file; unstub the environment in the file's afterEach.
 */
export function apiServerPerTest(): (handlers: Handlers) => Promise<GitHubApiServer> {
  let server: GitHubApiServer | undefined
  afterEach(async () => {
    const violations = server?.violations ?? []
    await server?.close()
    server = undefined
    expect(violations).toEqual([])
  })
  return async (handlers) => {
    server = await startGitHubApiServer(handlers)
    vi.stubEnv('GITHUB_API_URL', server.url)
    return server
  }
}
