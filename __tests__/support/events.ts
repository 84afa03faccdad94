import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { tempDir } from './git-repo.ts'

// Event payloads for tests, built from GitHub's real webhook examples
// (@octokit/webhooks-examples) with before/after/ref/repository patched in, and
// the environment the runner gives an action for them.

interface WebhookDefinition {
  readonly name: string
  readonly examples: readonly Record<string, unknown>[]
}

/** Payloads are JSON with deep optional structure: `any` keeps patching them readable. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Payload = Record<string, any>

const definitions = createRequire(import.meta.url)(
  '@octokit/webhooks-examples'
) as WebhookDefinition[]

export const ZERO = '0000000000000000000000000000000000000000'

/** A deep copy of the first real example of an event that passes `pick`. */
export function example(name: string, pick: (payload: Payload) => boolean = () => true): Payload {
  const found = definitions.find((d) => d.name === name)?.examples.find(pick)
  if (!found) throw new Error(`no webhook example for ${name} that matches`)
  return structuredClone(found) as Payload
}

export interface RepositoryName {
  readonly owner: string
  readonly repo: string
}

export const REPOSITORY: RepositoryName = { owner: 'octo-org', repo: 'ops' }

function patchRepository(payload: Payload, { owner, repo }: RepositoryName): void {
  const repository = payload.repository as Payload
  repository.name = repo
  repository.full_name = `${owner}/${repo}`
  repository.owner.login = owner
  repository.owner.name = owner
}

export interface PayloadCommitPatch {
  readonly id: string
  readonly added?: readonly string[]
  readonly removed?: readonly string[]
  readonly modified?: readonly string[]
}

export interface PushPatch {
  readonly before: string
  readonly after: string
  readonly ref?: string
  readonly forced?: boolean
  readonly commits?: readonly PayloadCommitPatch[]
  readonly repository?: RepositoryName
}

/** A push payload: the real branch-push example, or the real tag example for refs/tags/. */
export function pushPayload(patch: PushPatch): Payload {
  const ref = patch.ref ?? 'refs/heads/main'
  const payload = example('push', (p) =>
    p.ref.startsWith(ref.startsWith('refs/tags/') ? 'refs/tags/' : 'refs/heads/')
  )
  const commitTemplate = example('push', (p) => p.commits.length > 0).commits[0]
  payload.ref = ref
  payload.before = patch.before
  payload.after = patch.after
  payload.created = patch.before === ZERO
  payload.deleted = patch.after === ZERO
  payload.forced = patch.forced ?? false
  payload.commits = (patch.commits ?? []).map((c) => ({
    ...structuredClone(commitTemplate),
    id: c.id,
    tree_id: c.id,
    added: [...(c.added ?? [])],
    removed: [...(c.removed ?? [])],
    modified: [...(c.modified ?? [])]
  }))
  payload.head_commit = payload.commits.at(-1) ?? null
  patchRepository(payload, patch.repository ?? REPOSITORY)
  return payload
}

export interface PullRequestPatch {
  readonly baseSha: string
  readonly headSha: string
  readonly number?: number
  readonly baseRef?: string
  readonly repository?: RepositoryName
}

/** A pull_request payload from the real `synchronize` example. */
export function pullRequestPayload(patch: PullRequestPatch): Payload {
  const payload = example('pull_request', (p) => p.action === 'synchronize')
  const number = patch.number ?? 7
  payload.number = number
  payload.pull_request.number = number
  payload.pull_request.base.sha = patch.baseSha
  payload.pull_request.base.ref = patch.baseRef ?? 'main'
  payload.pull_request.head.sha = patch.headSha
  payload.before = patch.baseSha
  payload.after = patch.headSha
  patchRepository(payload, patch.repository ?? REPOSITORY)
  return payload
}

/** A workflow_dispatch payload from the real example. */
export function dispatchPayload(ref = 'refs/heads/main', repository = REPOSITORY): Payload {
  const payload = example('workflow_dispatch')
  payload.ref = ref
  patchRepository(payload, repository)
  return payload
}

export interface RunnerEvent {
  readonly name: string
  readonly payload: Record<string, unknown>
  /** GITHUB_SHA: the commit checked out. */
  readonly sha: string
  readonly ref?: string
  readonly repository?: RepositoryName
  readonly workflowFile?: string
  readonly runId?: number
  readonly runNumber?: number
}

/** Writes the payload to a file (removed by removeTempDirs) and returns the environment the runner would set. */
export async function runnerEnv(event: RunnerEvent): Promise<Record<string, string>> {
  const dir = await tempDir('gitops-event-')
  const path = join(dir, 'event.json')
  await writeFile(path, JSON.stringify(event.payload))
  const { owner, repo } = event.repository ?? REPOSITORY
  const ref = event.ref ?? String(event.payload.ref ?? 'refs/heads/main')
  return {
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: path,
    GITHUB_SHA: event.sha,
    GITHUB_REF: ref,
    GITHUB_REPOSITORY: `${owner}/${repo}`,
    GITHUB_WORKFLOW_REF: `${owner}/${repo}/.github/workflows/${event.workflowFile ?? 'deploy.yml'}@${ref}`,
    GITHUB_RUN_ID: String(event.runId ?? 9000),
    GITHUB_RUN_NUMBER: String(event.runNumber ?? 50)
  }
}
