import { readFileSync } from 'node:fs'
import { errorMessage } from '../error-message.ts'

// The event that started the run, read once from the runner's environment and
// the payload file, checked, and reduced to what the later stages need.

export const SUPPORTED_EVENTS = ['push', 'pull_request', 'workflow_dispatch', 'schedule'] as const
export type EventName = (typeof SUPPORTED_EVENTS)[number]

export interface Repository {
  readonly owner: string
  readonly repo: string
}

/** Which workflow run this is: the key to "the last successful run of this workflow". */
export interface WorkflowIdentity {
  /** The workflow file name (`deploy.yml`), accepted by the API as a workflow id. */
  readonly file: string | undefined
  readonly runId: number | undefined
  readonly runNumber: number | undefined
  /** The run's page, where its log is; undefined outside a runner. */
  readonly runUrl: string | undefined
}

/** A commit as the push payload lists it (the list may be capped: never trusted alone). */
export interface PayloadCommit {
  readonly id: string
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly modified: readonly string[]
}

interface EventCommon {
  /** The commit checked out and deployed (GITHUB_SHA). */
  readonly sha: string
  readonly ref: string
  readonly repository: Repository
  readonly workflow: WorkflowIdentity
  readonly payload: Readonly<Record<string, unknown>>
}

export interface PushEvent extends EventCommon {
  readonly name: 'push'
  readonly before: string
  readonly after: string
  readonly created: boolean
  readonly deleted: boolean
  readonly forced: boolean
  readonly commits: readonly PayloadCommit[]
}

export interface PullRequestEvent extends EventCommon {
  readonly name: 'pull_request'
  readonly number: number
  /** The tip of the base branch the pull request is compared with. */
  readonly baseSha: string
  readonly headSha: string
}

export interface DispatchEvent extends EventCommon {
  readonly name: 'workflow_dispatch'
  /** The repository's default branch, from the payload; undefined when it lacks one. */
  readonly defaultBranch: string | undefined
}

/** A `schedule` event runs a drift check of the default branch's newest commit. */
export interface ScheduleEvent extends EventCommon {
  readonly name: 'schedule'
  /** The cron line that fired, for the log. */
  readonly cron: string | undefined
}

export type GitHubEvent = PushEvent | PullRequestEvent | DispatchEvent | ScheduleEvent

export class EventError extends Error {}

const SUPPORTED_TEXT = `supported events: ${SUPPORTED_EVENTS.join(', ')}`

export function readEvent(env: NodeJS.ProcessEnv = process.env): GitHubEvent {
  const name = env.GITHUB_EVENT_NAME
  if (!name)
    throw new EventError(
      `GITHUB_EVENT_NAME is not set: run this action in a GitHub workflow (${SUPPORTED_TEXT}).`
    )
  if (!(SUPPORTED_EVENTS as readonly string[]).includes(name)) {
    throw new EventError(
      `The event '${name}' is not supported (${SUPPORTED_TEXT}); add one of them to the workflow's 'on:'.`
    )
  }
  const payload = readPayload(env.GITHUB_EVENT_PATH)
  const common = {
    ref: env.GITHUB_REF || str(payload, 'ref') || '',
    repository: repositoryOf(env, payload),
    workflow: workflowOf(env),
    payload
  }
  switch (name as EventName) {
    case 'push': {
      const after = sha(payload, 'after', 'push')
      return {
        ...common,
        name: 'push',
        sha: env.GITHUB_SHA || after,
        before: sha(payload, 'before', 'push'),
        after,
        created: payload.created === true,
        deleted: payload.deleted === true,
        forced: payload.forced === true,
        commits: commitsOf(payload)
      }
    }
    case 'pull_request': {
      const pr = object(payload.pull_request, 'pull_request', 'pull_request')
      const headSha = sha(
        object(pr.head, 'pull_request.head', 'pull_request'),
        'sha',
        'pull_request',
        'pull_request.head.sha'
      )
      return {
        ...common,
        name: 'pull_request',
        // GITHUB_SHA is the merge commit that actions/checkout checks out.
        sha: env.GITHUB_SHA || headSha,
        number: typeof pr.number === 'number' ? pr.number : Number(payload.number),
        baseSha: sha(
          object(pr.base, 'pull_request.base', 'pull_request'),
          'sha',
          'pull_request',
          'pull_request.base.sha'
        ),
        headSha
      }
    }
    case 'workflow_dispatch': {
      if (!env.GITHUB_SHA)
        throw new EventError(
          'GITHUB_SHA is not set for this workflow_dispatch event: cannot tell which commit to deploy.'
        )
      const repository = payload.repository
      const defaultBranch =
        typeof repository === 'object' && repository !== null
          ? str(repository as Record<string, unknown>, 'default_branch')
          : undefined
      return {
        ...common,
        name: 'workflow_dispatch',
        sha: env.GITHUB_SHA,
        defaultBranch
      }
    }
    case 'schedule': {
      if (!env.GITHUB_SHA)
        throw new EventError(
          'GITHUB_SHA is not set for this schedule event: cannot tell which commit to check.'
        )
      return {
        ...common,
        name: 'schedule',
        sha: env.GITHUB_SHA,
        cron: str(payload, 'schedule')
      }
    }
  }
}

export function readPayload(path: string | undefined): Record<string, unknown> {
  if (!path)
    throw new EventError(
      `GITHUB_EVENT_PATH is not set: cannot read the event payload (${SUPPORTED_TEXT}).`
    )
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new EventError(
      `Cannot read the event payload ${path}: ${errorMessage(error)} (the runner writes it for each run; ${SUPPORTED_TEXT}).`
    )
  }
  try {
    const parsed: unknown = JSON.parse(text)
    return object(parsed, 'payload', 'the event')
  } catch (error) {
    if (error instanceof EventError) throw error
    throw new EventError(`The event payload ${path} is not valid JSON: ${errorMessage(error)}.`)
  }
}

function object(value: unknown, field: string, event: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EventError(`The ${event} payload has no '${field}' object.`)
  }
  return value as Record<string, unknown>
}

function str(payload: Record<string, unknown>, key: string): string | undefined {
  const value = payload[key]
  return typeof value === 'string' ? value : undefined
}

function sha(payload: Record<string, unknown>, key: string, event: string, field = key): string {
  const value = str(payload, key)
  if (!value || !/^[0-9a-f]{40}$/.test(value)) {
    throw new EventError(`The ${event} payload's '${field}' is not a commit SHA.`)
  }
  return value
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

function commitsOf(payload: Record<string, unknown>): PayloadCommit[] {
  const commits = Array.isArray(payload.commits) ? payload.commits : []
  return commits.map((c: Record<string, unknown>) => ({
    id: typeof c.id === 'string' ? c.id : '',
    added: strings(c.added),
    removed: strings(c.removed),
    modified: strings(c.modified)
  }))
}

function repositoryOf(env: NodeJS.ProcessEnv, payload: Record<string, unknown>): Repository {
  const fullName =
    env.GITHUB_REPOSITORY ||
    (typeof payload.repository === 'object' && payload.repository !== null
      ? String((payload.repository as Record<string, unknown>).full_name ?? '')
      : '')
  const [owner, repo, ...rest] = fullName.split('/')
  if (!owner || !repo || rest.length > 0) {
    throw new EventError(
      `Cannot tell the repository: GITHUB_REPOSITORY is '${env.GITHUB_REPOSITORY ?? ''}' and the payload has no repository.full_name.`
    )
  }
  return { owner, repo }
}

function workflowOf(env: NodeJS.ProcessEnv): WorkflowIdentity {
  // GITHUB_WORKFLOW_REF: owner/repo/.github/workflows/deploy.yml@refs/heads/main
  const path = env.GITHUB_WORKFLOW_REF?.split('@')[0]
  const file = path?.includes('/.github/workflows/') ? path.split('/').pop() : undefined
  const number = (text: string | undefined): number | undefined =>
    text && /^\d+$/.test(text) ? Number(text) : undefined
  const runId = number(env.GITHUB_RUN_ID)
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  const runUrl =
    runId !== undefined && env.GITHUB_REPOSITORY
      ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${runId}`
      : undefined
  return { file, runId, runNumber: number(env.GITHUB_RUN_NUMBER), runUrl }
}

/** The branch a push or dispatch ran on, or undefined (tags, pull request refs). */
export function branchOf(ref: string): string | undefined {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined
}
