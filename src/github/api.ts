import { getOctokit } from '@actions/github'
import type { GitHubEvent } from './event.ts'
import { branchOf } from './event.ts'
import { errorMessage } from '../error-message.ts'
import { backoff, type Refusal } from './rate-limit.ts'

// The GitHub REST calls the action makes, and nothing else: the last successful
// run of this workflow (the diff base), the compare API and git trees (the
// changed paths when git cannot tell); one GraphQL query, who the token is. Each call has a timeout, so a hanging
// API falls back like a dead one, and stops at once when the run is cancelled.
// Every call backs off when GitHub refuses it for its rate limits (rate-limit.ts),
// and once one is refused the client pauses the others too, as GitHub asks; a write
// that still could not be made is remembered (`unwritten`) for the results file.

const REQUEST_TIMEOUT_MS = 20_000
/** The runner kills a cancelled step a few seconds after it signals it. */
const LAST_WORD_TIMEOUT_MS = 4_000
const PER_PAGE = 100
/** Enough history to step over a long streak of failed or cancelled runs. */
const MAX_RUN_PAGES = 5
/** GitHub lists at most this many files for a whole comparison (compare API description). */
export const COMPARE_FILES_CAP = 300

export interface SuccessfulRun {
  readonly id: number
  readonly runNumber: number
  readonly headSha: string
}

export type CompareStatus = 'ahead' | 'behind' | 'diverged' | 'identical'
export interface CompareFile {
  readonly filename: string
  readonly status: string
  readonly previousFilename: string | undefined
}
export interface Comparison {
  readonly status: CompareStatus
  readonly mergeBase: string
  readonly files: readonly CompareFile[]
  /** False when the list may have been cut at the cap. */
  readonly complete: boolean
}

export interface TreeEntry {
  readonly path: string
  /** Blob id: equal ids mean equal content. */
  readonly sha: string
}
export interface Tree {
  readonly files: readonly TreeEntry[]
  readonly truncated: boolean
}

export interface IssueComment {
  readonly id: number
  readonly body: string
  /** The author's login; undefined for a deleted account. */
  readonly author: string | undefined
}

/** A comment as the REST API returns it (issue and commit comments alike). */
interface CommentData {
  readonly id: number
  readonly body?: string | null
  readonly user?: { readonly login: string } | null
}

function commentOf(c: CommentData): IssueComment {
  return { id: c.id, body: c.body ?? '', author: c.user?.login }
}

/** Every comment, a page of PER_PAGE at a time, up to MAX_COMMENT_PAGES pages. */
async function allComments(
  page: (n: number) => Promise<{ readonly data: readonly CommentData[] }>
): Promise<IssueComment[]> {
  const comments: IssueComment[] = []
  for (let n = 1; n <= MAX_COMMENT_PAGES; n++) {
    const { data } = await page(n)
    comments.push(...data.map(commentOf))
    if (data.length < PER_PAGE) break
  }
  return comments
}

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error'

export interface IssueRef {
  readonly number: number
  readonly title: string
  /** The login of whoever opened it; undefined for a deleted account. */
  readonly author: string | undefined
}

/** A pull request as promotion needs it. */
export interface PullRequest {
  readonly number: number
  readonly url: string
  readonly open: boolean
  readonly merged: boolean
  readonly body: string
}

export interface PullRequestText {
  readonly title: string
  readonly body: string
  /** The branch it merges into. */
  readonly base: string
}

export interface GitHubApi {
  /** The head commit of the last successful push run of this workflow on this branch, if any. */
  lastSuccessfulRun(): Promise<SuccessfulRun | undefined>
  compare(base: string, head: string): Promise<Comparison>
  tree(commit: string): Promise<Tree>
  /**
   * The login the token acts as: its user's for a personal token, `<app-slug>[bot]`
   * for an installation token (GITHUB_TOKEN: `github-actions[bot]`). REST's
   * `GET /user` refuses installation tokens; GraphQL's viewer answers both.
   */
  identity(): Promise<string>
  /** Comments of a pull request, oldest first (up to MAX_COMMENT_PAGES pages). */
  listComments(issue: number): Promise<IssueComment[]>
  createComment(issue: number, body: string): Promise<IssueComment>
  updateComment(id: number, body: string): Promise<IssueComment>
  /** Comments on a commit, oldest first (up to MAX_COMMENT_PAGES pages). */
  listCommitComments(sha: string): Promise<IssueComment[]>
  createCommitComment(sha: string, body: string): Promise<IssueComment>
  updateCommitComment(id: number, body: string): Promise<IssueComment>
  /** A Deployment of `ref` to `environment`; returns its id. */
  createDeployment(ref: string, environment: string, description: string): Promise<number>
  deploymentStatus(
    id: number,
    state: DeploymentState,
    logUrl: string | undefined,
    description: string
  ): Promise<void>
  /** Open issues carrying the label, oldest first (pull requests left out). */
  openIssues(label: string): Promise<IssueRef[]>
  createIssue(issue: { title: string; body: string; labels: readonly string[] }): Promise<number>
  updateIssue(number: number, change: { body: string; state: 'open' | 'closed' }): Promise<void>
  /** Pull requests from a branch of this repository, open and closed, newest first (one page). */
  pullRequests(branch: string): Promise<PullRequest[]>
  createPullRequest(head: string, text: PullRequestText): Promise<PullRequest>
  updatePullRequest(number: number, text: PullRequestText): Promise<PullRequest>
  /** The writes that failed for good, one line each ("creating a deployment to x failed (HTTP 403): …"). */
  unwritten(): readonly string[]
}

/** How the client waits; a test gives its own clock. */
export interface ApiOptions {
  /** Waits `ms`, or less when `signal` aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly now?: () => number
  /** The most the client waits for rate limits in the whole run. */
  readonly backoffBudgetMs?: number
}

/** A job that waits longer than this on GitHub's limits has better things to do. */
const BACKOFF_BUDGET_MS = 10 * 60_000

const sleepFor = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })

/** What octokit's RequestError tells of a refusal. */
function refusalOf(error: unknown): Refusal {
  const { status, response } = error as {
    status?: number
    response?: { headers?: Record<string, string | number | undefined> }
  }
  const headers: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(response?.headers ?? {}))
    headers[name.toLowerCase()] = value === undefined ? undefined : String(value)
  return { status, headers, message: errorMessage(error) }
}

interface PullRequestData {
  readonly number: number
  readonly html_url: string
  readonly state: string
  readonly merged_at: string | null
  readonly body: string | null
}

function pullRequestOf(data: PullRequestData): PullRequest {
  return {
    number: data.number,
    url: data.html_url,
    open: data.state === 'open',
    merged: data.merged_at !== null,
    body: data.body ?? ''
  }
}

/** The HTTP status GitHub answered, when it answered. */
export class ApiError extends Error {
  readonly status: number | undefined
  constructor(message: string, status?: number) {
    super(message)
    this.status = status
  }
}

/** Pages of pull request comments read to find the sticky one (100 a page). */
const MAX_COMMENT_PAGES = 10

export function createApi(
  token: string,
  event: GitHubEvent,
  cancel?: AbortSignal,
  options: ApiOptions = {}
): GitHubApi {
  const sleep = options.sleep ?? sleepFor
  const now = options.now ?? Date.now
  let budgetMs = options.backoffBudgetMs ?? BACKOFF_BUDGET_MS
  /** Set by a refusal: no call goes out before it. */
  let pausedUntil = 0
  const unwritten: string[] = []
  const baseUrl = process.env.GITHUB_API_URL || 'https://api.github.com'
  // Made on first use: getOctokit refuses an empty token, and without one every call falls back.
  let client: ReturnType<typeof getOctokit> | undefined
  const octokit = (): ReturnType<typeof getOctokit> => (client ??= getOctokit(token, { baseUrl }))
  const { owner, repo } = event.repository
  const request = () => {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    return { signal: cancel ? AbortSignal.any([cancel, timeout]) : timeout }
  }
  // Telling how a cancelled run ended is part of ending it: such a call is not stopped
  // by the cancellation, only by a timeout short enough for the runner's grace period.
  const lastWord = () => ({ signal: AbortSignal.timeout(LAST_WORD_TIMEOUT_MS) })
  const guard = async <T>(
    what: string,
    call: () => Promise<T>,
    whenCancelled: 'refuse' | 'go on' = 'refuse',
    kind: 'read' | 'write' = 'read'
  ): Promise<T> => {
    const stoppable = whenCancelled === 'refuse' ? cancel : undefined
    const failed = (error: ApiError): ApiError => {
      if (kind === 'write') unwritten.push(error.message)
      return error
    }
    if (!token) throw failed(new ApiError(`${what}: no github-token`))
    for (let attempt = 1; ; attempt++) {
      if (stoppable?.aborted) throw failed(new ApiError(`${what}: the run was cancelled`))
      // A cancelled run's last word does not wait: the runner's grace period is short.
      if (pausedUntil > now() && !cancel?.aborted) await sleep(pausedUntil - now(), cancel)
      try {
        return await call()
      } catch (error) {
        if (stoppable?.aborted) throw failed(new ApiError(`${what} stopped: the run was cancelled`))
        const refusal = refusalOf(error)
        const next = cancel?.aborted
          ? ({ kind: 'not-limited' } as const)
          : backoff(refusal, attempt, now(), budgetMs)
        if (next.kind === 'retry') {
          budgetMs -= next.waitMs
          pausedUntil = Math.max(pausedUntil, now() + next.waitMs)
          continue
        }
        const { status } = refusal
        throw failed(
          new ApiError(
            `${what} failed${status ? ` (HTTP ${status})` : ''}: ${refusal.message}${next.kind === 'give-up' ? ` (${next.why})` : ''}`,
            status
          )
        )
      }
    }
  }
  const write = <T>(
    what: string,
    call: () => Promise<T>,
    whenCancelled: 'refuse' | 'go on' = 'refuse'
  ): Promise<T> => guard(what, call, whenCancelled, 'write')

  return {
    lastSuccessfulRun: () =>
      guard('listing workflow runs', async () => {
        const branch = branchOf(event.ref)
        const { file, runId, runNumber } = event.workflow
        if (!branch || !file) return undefined
        for (let page = 1; page <= MAX_RUN_PAGES; page++) {
          const { data } = await octokit().rest.actions.listWorkflowRuns({
            owner,
            repo,
            workflow_id: file,
            branch,
            event: 'push',
            status: 'success',
            per_page: PER_PAGE,
            page,
            exclude_pull_requests: true,
            request: request()
          })
          const found = data.workflow_runs.find(
            (run) =>
              run.conclusion === 'success' &&
              run.id !== runId &&
              // Runs created after this one (a newer push that finished first) are not our base.
              (runNumber === undefined || run.run_number < runNumber)
          )
          if (found) return { id: found.id, runNumber: found.run_number, headSha: found.head_sha }
          if (data.workflow_runs.length < PER_PAGE) return undefined
        }
        return undefined
      }),

    compare: (base, head) =>
      guard(`comparing ${base.slice(0, 12)}...${head.slice(0, 12)}`, async () => {
        const files = new Map<string, CompareFile>()
        const summary = { status: 'identical' as CompareStatus, mergeBase: base }
        // Commits are paginated; files come with the first page (up to the cap), but we
        // take them from every page in case a server spreads them.
        for (let page = 1; ; page++) {
          const { data } = await octokit().rest.repos.compareCommitsWithBasehead({
            owner,
            repo,
            basehead: `${base}...${head}`,
            per_page: PER_PAGE,
            page,
            request: request()
          })
          summary.status = data.status
          summary.mergeBase = data.merge_base_commit.sha
          for (const f of data.files ?? []) {
            files.set(f.filename, {
              filename: f.filename,
              status: f.status,
              previousFilename: f.previous_filename
            })
          }
          if (data.commits.length < PER_PAGE || page * PER_PAGE >= data.total_commits) break
        }
        return { ...summary, files: [...files.values()], complete: files.size < COMPARE_FILES_CAP }
      }),

    tree: (commit) =>
      guard(`reading the tree of ${commit.slice(0, 12)}`, async () => {
        const { data } = await octokit().rest.git.getTree({
          owner,
          repo,
          tree_sha: commit,
          recursive: 'true',
          request: request()
        })
        return {
          files: data.tree
            .filter((e) => e.type === 'blob' && e.path && e.sha)
            .map((e) => ({ path: e.path, sha: e.sha })),
          truncated: data.truncated
        }
      }),

    identity: () =>
      guard("reading the token's identity", async () => {
        const { viewer } = await octokit().graphql<{ viewer: { login: string } }>(
          'query { viewer { login } }',
          { request: request() }
        )
        return viewer.login
      }),

    listComments: (issue) =>
      guard(`listing the comments of #${issue}`, () =>
        allComments((page) =>
          octokit().rest.issues.listComments({
            owner,
            repo,
            issue_number: issue,
            per_page: PER_PAGE,
            page,
            request: request()
          })
        )
      ),

    createComment: (issue, body) =>
      write(`commenting on #${issue}`, async () => {
        const { data } = await octokit().rest.issues.createComment({
          owner,
          repo,
          issue_number: issue,
          body,
          request: request()
        })
        return commentOf(data)
      }),

    updateComment: (id, body) =>
      write(`editing comment ${id}`, async () => {
        const { data } = await octokit().rest.issues.updateComment({
          owner,
          repo,
          comment_id: id,
          body,
          request: request()
        })
        return commentOf(data)
      }),

    listCommitComments: (sha) =>
      guard(`listing the comments of commit ${sha.slice(0, 12)}`, () =>
        allComments((page) =>
          octokit().rest.repos.listCommentsForCommit({
            owner,
            repo,
            commit_sha: sha,
            per_page: PER_PAGE,
            page,
            request: request()
          })
        )
      ),

    createCommitComment: (sha, body) =>
      write(`commenting on commit ${sha.slice(0, 12)}`, async () => {
        const { data } = await octokit().rest.repos.createCommitComment({
          owner,
          repo,
          commit_sha: sha,
          body,
          request: request()
        })
        return commentOf(data)
      }),

    updateCommitComment: (id, body) =>
      write(`editing commit comment ${id}`, async () => {
        const { data } = await octokit().rest.repos.updateCommitComment({
          owner,
          repo,
          comment_id: id,
          body,
          request: request()
        })
        return commentOf(data)
      }),

    createDeployment: (ref, environment, description) =>
      write(`creating a deployment to ${environment}`, async () => {
        const response = await octokit().rest.repos.createDeployment({
          owner,
          repo,
          ref,
          environment,
          description,
          auto_merge: false,
          // The workflow running this action is the check; others are not waited for.
          required_contexts: [],
          request: request()
        })
        const data = response.data as { id?: number; message?: string }
        if (response.status !== 201 || typeof data.id !== 'number')
          throw new ApiError(data.message ?? `HTTP ${response.status}`, response.status)
        return data.id
      }),

    deploymentStatus: (id, state, logUrl, description) => {
      const final = state !== 'in_progress'
      return write(
        `setting deployment ${id} to ${state}`,
        async () => {
          await octokit().rest.repos.createDeploymentStatus({
            owner,
            repo,
            deployment_id: id,
            state,
            description: description.slice(0, 140),
            ...(logUrl ? { log_url: logUrl } : {}),
            request: final && cancel?.aborted ? lastWord() : request()
          })
        },
        final ? 'go on' : 'refuse'
      )
    },

    openIssues: (label) =>
      guard(`listing the open issues labelled ${label}`, async () => {
        const issues: IssueRef[] = []
        for (let page = 1; ; page++) {
          const { data } = await octokit().rest.issues.listForRepo({
            owner,
            repo,
            labels: label,
            state: 'open',
            sort: 'created',
            direction: 'asc',
            per_page: PER_PAGE,
            page,
            request: request()
          })
          for (const issue of data)
            if (!issue.pull_request)
              issues.push({ number: issue.number, title: issue.title, author: issue.user?.login })
          if (data.length < PER_PAGE) return issues
        }
      }),

    createIssue: ({ title, body, labels }) =>
      write(`opening the issue '${title}'`, async () => {
        const { data } = await octokit().rest.issues.create({
          owner,
          repo,
          title,
          body,
          labels: [...labels],
          request: request()
        })
        return data.number
      }),

    updateIssue: (number, { body, state }) =>
      write(`updating issue #${number}`, async () => {
        await octokit().rest.issues.update({
          owner,
          repo,
          issue_number: number,
          body,
          state,
          ...(state === 'closed' ? { state_reason: 'completed' as const } : {}),
          request: request()
        })
      }),

    pullRequests: (branch) =>
      guard(`listing the pull requests from ${branch}`, async () => {
        const { data } = await octokit().rest.pulls.list({
          owner,
          repo,
          head: `${owner}:${branch}`,
          state: 'all',
          sort: 'created',
          direction: 'desc',
          per_page: PER_PAGE,
          request: request()
        })
        return data.map(pullRequestOf)
      }),

    createPullRequest: (head, { title, body, base }) =>
      write(`opening a pull request from ${head}`, async () => {
        const { data } = await octokit().rest.pulls.create({
          owner,
          repo,
          head,
          base,
          title,
          body,
          request: request()
        })
        return pullRequestOf(data)
      }),

    updatePullRequest: (number, { title, body, base }) =>
      write(`updating pull request #${number}`, async () => {
        const { data } = await octokit().rest.pulls.update({
          owner,
          repo,
          pull_number: number,
          title,
          body,
          base,
          request: request()
        })
        return pullRequestOf(data)
      }),

    unwritten: () => [...unwritten]
  }
}
