import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { detectChanges } from '../../../src/changes/detect.ts'
import { createApi } from '../../../src/github/api.ts'
import { readEvent } from '../../../src/github/event.ts'
import type { GitHubEvent } from '../../../src/github/event.ts'
import type { ChangedPath, Scope } from '../../../src/types/changes.ts'
import { apiServerPerTest } from '../../support/api-server-per-test.ts'
import { pullRequestPayload, pushPayload, runnerEnv } from '../../support/events.ts'
import type { PayloadCommitPatch } from '../../support/events.ts'
import * as core from '../../support/fakes/core.ts'
import { forcePushed } from '../../support/force-push.ts'
import { GitRepo, cloneAt, removeTempDirs, tempDir } from '../../support/git-repo.ts'
import { repositoryHandlers } from '../../support/github-api-server.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))

afterAll(removeTempDirs)
// Real git processes: slow on a busy 2-core runner, never wrong.
vi.setConfig({ testTimeout: 60_000 })

const PLAN = 'chart: stable/nginx\n'
const serve = apiServerPerTest()
beforeEach(core.resetCore)
afterEach(() => vi.unstubAllEnvs())

const sorted = (paths: readonly ChangedPath[]): ChangedPath[] =>
  [...paths].sort((a, b) => a.path.localeCompare(b.path))
const diff = (
  base: string,
  head: string,
  baseReason = 'the push event before'
): Extract<Scope, { kind: 'diff' }> => ({ kind: 'diff', base, head, baseReason })

async function pushEvent(
  before: string,
  after: string,
  commits: PayloadCommitPatch[] = [],
  forced = false
): Promise<GitHubEvent> {
  return readEvent(
    await runnerEnv({
      name: 'push',
      payload: pushPayload({ before, after, commits, forced }),
      sha: after
    })
  )
}

/** detectChanges in a workspace that is no git checkout: the API and the payload are left. */
async function withoutCheckout(
  scope: Extract<Scope, { kind: 'diff' }>,
  event: GitHubEvent,
  token = 'test-token'
) {
  return detectChanges(scope, event, await tempDir(), createApi(token, event))
}

/** A history: base → add `brief` and edit app → remove `brief`, rename old → new, edit values. */
async function history() {
  const repo = await GitRepo.create()
  await repo.write({ 'a/b/ns/app.yaml': PLAN, 'a/b/ns/old.yaml': PLAN, 'values/v.yaml': 'x: 1\n' })
  const base = await repo.commit()
  await repo.write({
    'a/b/ns/brief.yaml': PLAN,
    'a/b/ns/app.yaml': 'chart: stable/nginx\nversion: 2.0.0\n'
  })
  const c1 = await repo.commit()
  await repo.remove('a/b/ns/brief.yaml')
  await repo.move('a/b/ns/old.yaml', 'a/b/ns/new.yaml')
  await repo.write({ 'values/v.yaml': 'x: 2\n' })
  const head = await repo.commit()
  const commits: PayloadCommitPatch[] = [
    { id: c1, added: ['a/b/ns/brief.yaml'], modified: ['a/b/ns/app.yaml'] },
    {
      id: head,
      added: ['a/b/ns/new.yaml'],
      removed: ['a/b/ns/brief.yaml', 'a/b/ns/old.yaml'],
      modified: ['values/v.yaml']
    }
  ]
  const origin = await repo.bareOrigin()
  return { repo, origin, base, head, commits }
}

const EXPECTED: ChangedPath[] = [
  { path: 'a/b/ns/app.yaml', status: 'modified' },
  { path: 'a/b/ns/new.yaml', status: 'added' },
  { path: 'a/b/ns/old.yaml', status: 'removed' },
  { path: 'values/v.yaml', status: 'modified' }
]

describe('detectChanges: every source gives the same answer for the same history', () => {
  it('git, from a shallow checkout that fetches its base', async () => {
    const { origin, base, head, commits } = await history()
    const checkout = await cloneAt(origin, head)
    const changes = await detectChanges(
      diff(base, head),
      await pushEvent(base, head, commits),
      checkout,
      createApi('', await pushEvent(base, head))
    )
    expect(changes.source).toBe('git')
    expect(sorted(changes.paths)).toEqual(EXPECTED)
    expect(core.info).toHaveBeenCalledWith(`Changed paths from git: 4 between ${base} and ${head}.`)
  })

  it('the compare API (paginated, OpenAPI-checked server) when the workspace is no git checkout', async () => {
    const { origin, base, head, commits } = await history()
    const server = await serve(repositoryHandlers({ origin }))
    const event = await pushEvent(base, head, commits)
    const changes = await withoutCheckout(diff(base, head), event)
    expect(changes.source).toBe('compare-api')
    expect(sorted(changes.paths)).toEqual(EXPECTED)
    expect(server.requests.map((r) => r.operationId)).toEqual([
      'repos/compare-commits-with-basehead'
    ])
  })

  it('the payload, folded in order, when the API is down too', async () => {
    const { base, head, commits } = await history()
    const server = await serve({})
    await server.close()
    const event = await pushEvent(base, head, commits)
    const changes = await withoutCheckout(diff(base, head), event)
    expect(changes.source).toBe('payload')
    expect(changes.paths).toEqual(EXPECTED)
    expect(core.warning).toHaveBeenCalledWith(
      expect.stringContaining('Changed paths come from the push payload, which GitHub may cap')
    )
  })
})

describe('detectChanges through the API: force pushes and large comparisons', () => {
  it('a force push compares the trees, so what only the old head had is removed', async () => {
    const { origin, oldHead, newHead } = await forcePushed(
      { 'a/b/ns/app.yaml': PLAN },
      { 'a/b/ns/only-old.yaml': PLAN },
      { 'a/b/ns/only-new.yaml': PLAN }
    )
    const server = await serve(repositoryHandlers({ origin }))
    const event = await pushEvent(
      oldHead,
      newHead,
      [{ id: newHead, added: ['a/b/ns/only-new.yaml'] }],
      true
    )
    const changes = await withoutCheckout(diff(oldHead, newHead), event)
    expect(changes.source).toBe('compare-api')
    expect(sorted(changes.paths)).toEqual([
      { path: 'a/b/ns/only-new.yaml', status: 'added' },
      { path: 'a/b/ns/only-old.yaml', status: 'removed' }
    ])
    expect(server.requests.map((r) => r.operationId)).toEqual([
      'repos/compare-commits-with-basehead',
      'git/get-tree',
      'git/get-tree'
    ])
  })

  it('over 300 files, the capped comparison is replaced by the trees', async () => {
    const repo = await GitRepo.create()
    await repo.write({ 'keep.txt': '1' })
    const base = await repo.commit()
    await repo.write(
      Object.fromEntries(Array.from({ length: 350 }, (_, i) => [`s${i % 7}/c/ns/r${i}.yaml`, PLAN]))
    )
    const head = await repo.commit()
    await serve(repositoryHandlers({ origin: await repo.bareOrigin() }))
    const event = await pushEvent(base, head)
    const changes = await withoutCheckout(diff(base, head), event)
    expect(changes.paths).toHaveLength(350)
    expect(changes.paths.every((p) => p.status === 'added')).toBe(true)
  })

  it('a pull request through the API shows only what its branch changes', async () => {
    const repo = await GitRepo.create()
    await repo.write({ 'a/b/ns/app.yaml': PLAN, 'a/b/ns/other.yaml': PLAN })
    await repo.commit()
    await repo.git('checkout', '-q', '-b', 'feature')
    await repo.write({ 'a/b/ns/app.yaml': 'chart: stable/nginx\nversion: 9.9.9\n' })
    const prHead = await repo.commit()
    await repo.git('checkout', '-q', 'main')
    await repo.remove('a/b/ns/other.yaml')
    const baseTip = await repo.commit()
    await serve(repositoryHandlers({ origin: await repo.bareOrigin() }))
    const event = readEvent(
      await runnerEnv({
        name: 'pull_request',
        payload: pullRequestPayload({ baseSha: baseTip, headSha: prHead }),
        sha: prHead
      })
    )
    const changes = await withoutCheckout(diff(baseTip, prHead, 'pull request #7 base'), event)
    expect(changes).toMatchObject({
      source: 'compare-api',
      paths: [{ path: 'a/b/ns/app.yaml', status: 'modified' }]
    })
  })
})

describe('detectChanges when sources fail', () => {
  it("falls back to the push's before when the last run's head is known nowhere", async () => {
    const { origin, base, head, commits } = await history()
    const checkout = await cloneAt(origin, head)
    const gone = 'e'.repeat(40)
    const event = await pushEvent(base, head, commits)
    const changes = await detectChanges(
      diff(gone, head, 'head of the last successful run 5'),
      event,
      checkout,
      createApi('', event)
    )
    expect(changes).toMatchObject({ base, source: 'git' })
    expect(sorted(changes.paths)).toEqual(EXPECTED)
    expect(core.warning).toHaveBeenCalledWith(
      `No source could compare ${gone} (head of the last successful run 5) with ${head}; falling back to the push's before ${base}.`
    )
  })

  it('a force push with no git and no API fails rather than trust the payload', async () => {
    const event = await pushEvent('a'.repeat(40), 'b'.repeat(40), [], true)
    await expect(withoutCheckout(diff('a'.repeat(40), 'b'.repeat(40)), event, '')).rejects.toThrow(
      /^Could not tell which paths changed up to b{40}: git \(base a{12}\): .* is not a git checkout; compare-api \(base a{12}\): comparing .*: no github-token; payload \(base a{12}\): a force push payload does not list what the old head had\. Re-run the job, or run the workflow with workflow_dispatch for a full re-sync\.$/
    )
  })

  it('a pull request has no payload to fall back to', async () => {
    const event = readEvent(
      await runnerEnv({
        name: 'pull_request',
        payload: pullRequestPayload({ baseSha: 'a'.repeat(40), headSha: 'b'.repeat(40) }),
        sha: 'b'.repeat(40)
      })
    )
    await expect(withoutCheckout(diff('a'.repeat(40), 'b'.repeat(40)), event, '')).rejects.toThrow(
      'payload (base aaaaaaaaaaaa): a pull_request payload lists no changed files'
    )
  })
})
