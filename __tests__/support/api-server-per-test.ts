import { afterEach, expect, vi } from 'vitest'
import { startGitHubApiServer, type GitHubApiServer, type Handlers } from './github-api-server.ts'

/**
 * The local API server of the running test: `serve(handlers)` starts it. After the test it is
 * closed, and every request and response must have fit GitHub's published description. For a
 * file that runs the built action, which gets the server's URL in the environment it is given;
 * call it at the top of the file.
 */
export function serverPerTest(): (handlers: Handlers) => Promise<GitHubApiServer> {
  let server: GitHubApiServer | undefined
  afterEach(async () => {
    const violations = server?.violations ?? []
    await server?.close()
    server = undefined
    expect(violations).toEqual([])
  })
  return async (handlers) => {
    server = await startGitHubApiServer(handlers)
    return server
  }
}

/**
 * For a test file that talks to the local API server in process: as `serverPerTest`, and the
 * server is where the action finds it (GITHUB_API_URL). Call it at the top of the file;
 * unstub the environment in the file's afterEach.
 */
export function apiServerPerTest(): (handlers: Handlers) => Promise<GitHubApiServer> {
  const serve = serverPerTest()
  return async (handlers) => {
    const server = await serve(handlers)
    vi.stubEnv('GITHUB_API_URL', server.url)
    return server
  }
}
