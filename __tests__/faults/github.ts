// The local GitHub API of a fault file: a server per case (checked against GitHub's
// published description, closed after the case) and the action run in a clone of an ops
// repository's origin, as actions/checkout leaves it, that finds the server.
import type { ActionRun } from '../support/action-runner.ts'
import { serverPerTest } from '../support/api-server-per-test.ts'
import { cloneAt } from '../support/git-repo.ts'
import {
  repositoryHandlers,
  writeHandlers,
  type GitHubApiServer,
  type Handlers,
  type WriteState
} from '../support/github-api-server.ts'
import { act, type ActOptions, type Trigger } from './action.ts'
import { opsRepo, type FaultSuite, type Ops } from './ops.ts'

type Files = (ns: string) => Readonly<Record<string, string>>

export interface GitHubApi {
  /** Starts the case's server (for a run in the ops repository itself: pass its URL). */
  serve(handlers: Handlers): Promise<GitHubApiServer>
  /** Runs the action in a clone of `ops` at `head` against a server of `handlers`. */
  actInClone(
    ops: Ops,
    head: string,
    trigger: Trigger,
    handlers: Handlers,
    options?: ActOptions
  ): Promise<{ run: ActionRun; server: GitHubApiServer }>
  /**
   * A pull request in a fresh ops repository (with `charts` written first) from `before`
   * (committed first, the base) to `after`; comments and deployments go to `state`.
   */
  pullRequest(
    name: string,
    before: Files,
    after: Files,
    state: WriteState,
    charts?: Readonly<Record<string, string>>,
    env?: Readonly<Record<string, string>>
  ): Promise<{ run: ActionRun; ns: string; server: GitHubApiServer }>
}

/** Call once at the top of a fault file, after `faultSuite()`. */
export function githubApi(suite: FaultSuite): GitHubApi {
  const serve = serverPerTest()
  const actInClone: GitHubApi['actInClone'] = async (ops, head, trigger, handlers, options) => {
    const server = await serve(handlers)
    const workspace = await cloneAt(ops.origin, head)
    const run = await act(workspace, trigger, {
      ...options,
      env: { GITHUB_API_URL: server.url, ...options?.env }
    })
    return { run, server }
  }
  return {
    serve,
    actInClone,
    async pullRequest(name, before, after, state, charts = {}, env = {}) {
      const ns = suite.ns(name)
      const ops = await opsRepo()
      await ops.repo.write(charts)
      const base = await ops.commit(before(ns))
      const head = await ops.commit(after(ns))
      const handlers = { ...repositoryHandlers({ origin: ops.origin }), ...writeHandlers(state) }
      const { run, server } = await actInClone(
        ops,
        head,
        { pullRequest: { base, head } },
        handlers,
        {
          env
        }
      )
      return { run, ns, server }
    }
  }
}
