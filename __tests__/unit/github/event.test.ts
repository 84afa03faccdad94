import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readEvent } from '../../../src/github/event.ts'
import {
  ZERO,
  dispatchPayload,
  example,
  pullRequestPayload,
  pushPayload,
  runnerEnv
} from '../../support/events.ts'
import { removeTempDirs, tempDir } from '../../support/git-repo.ts'

afterAll(removeTempDirs)

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const M = 'c'.repeat(40)

describe('readEvent on real webhook payloads', () => {
  it('push: the range, the flags and the folded-in commits', async () => {
    const payload = pushPayload({
      before: A,
      after: B,
      forced: true,
      commits: [{ id: B, added: ['x'], removed: ['y'], modified: ['z'] }]
    })
    const event = readEvent(
      await runnerEnv({ name: 'push', payload, sha: B, runId: 77, runNumber: 12 })
    )
    expect(event).toMatchObject({
      name: 'push',
      sha: B,
      ref: 'refs/heads/main',
      before: A,
      after: B,
      created: false,
      deleted: false,
      forced: true,
      repository: { owner: 'octo-org', repo: 'ops' },
      workflow: { file: 'deploy.yml', runId: 77, runNumber: 12 },
      commits: [{ id: B, added: ['x'], removed: ['y'], modified: ['z'] }]
    })
  })

  it('push creating a branch and deleting one', async () => {
    const created = readEvent(
      await runnerEnv({ name: 'push', payload: pushPayload({ before: ZERO, after: B }), sha: B })
    )
    expect(created).toMatchObject({ name: 'push', created: true, deleted: false })
    const deleted = readEvent(
      await runnerEnv({ name: 'push', payload: pushPayload({ before: A, after: ZERO }), sha: A })
    )
    expect(deleted).toMatchObject({ name: 'push', created: false, deleted: true })
  })

  it('the unpatched tag push example reads as a push to a tag', async () => {
    const payload = example('push', (p) => p.ref.startsWith('refs/tags/') && p.created === true)
    const event = readEvent(
      await runnerEnv({ name: 'push', payload, sha: payload.after, ref: payload.ref })
    )
    expect(event).toMatchObject({
      name: 'push',
      ref: 'refs/tags/simple-tag',
      created: true,
      repository: { owner: 'octo-org', repo: 'ops' }
    })
  })

  it('pull_request: a preview of the merge commit against the base', async () => {
    const payload = pullRequestPayload({ baseSha: A, headSha: B, number: 42 })
    const event = readEvent(
      await runnerEnv({ name: 'pull_request', payload, sha: M, ref: 'refs/pull/42/merge' })
    )
    expect(event).toMatchObject({
      name: 'pull_request',
      sha: M,
      baseSha: A,
      headSha: B,
      number: 42,
      ref: 'refs/pull/42/merge'
    })
  })

  it('workflow_dispatch: the commit of the run', async () => {
    const event = readEvent(
      await runnerEnv({ name: 'workflow_dispatch', payload: dispatchPayload(), sha: B })
    )
    expect(event).toMatchObject({
      name: 'workflow_dispatch',
      sha: B,
      ref: 'refs/heads/main'
    })
  })
})

describe('readEvent: schedule', () => {
  it('a schedule event checks the commit of the run, and names its cron line', async () => {
    const event = readEvent(
      await runnerEnv({ name: 'schedule', payload: { schedule: '*/30 * * * *' }, sha: B })
    )
    expect(event).toMatchObject({ name: 'schedule', sha: B, cron: '*/30 * * * *' })
  })
})

describe('readEvent errors', () => {
  const SUPPORTED = 'supported events: push, pull_request, workflow_dispatch, schedule'

  it.each(['issues', 'pull_request_target', 'workflow_run'])(
    '%s is not supported, and the message names those that are',
    async (name) => {
      const env = await runnerEnv({ name, payload: {}, sha: B })
      expect(() => readEvent(env)).toThrow(
        `The event '${name}' is not supported (${SUPPORTED}); add one of them to the workflow's 'on:'.`
      )
    }
  )

  it('no event name: not in a workflow', () => {
    expect(() => readEvent({})).toThrow(
      `GITHUB_EVENT_NAME is not set: run this action in a GitHub workflow (${SUPPORTED}).`
    )
  })

  it('no event path, a missing file, a file that is not JSON', async () => {
    expect(() => readEvent({ GITHUB_EVENT_NAME: 'push' })).toThrow('GITHUB_EVENT_PATH is not set')
    const dir = await tempDir()
    expect(() =>
      readEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: join(dir, 'none.json') })
    ).toThrow(
      new RegExp(
        `^Cannot read the event payload ${join(dir, 'none.json')}: ENOENT.*\\(the runner writes it for each run; ${SUPPORTED}\\)\\.$`
      )
    )
    await writeFile(join(dir, 'bad.json'), '{ not json')
    expect(() =>
      readEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: join(dir, 'bad.json') })
    ).toThrow(`The event payload ${join(dir, 'bad.json')} is not valid JSON`)
  })

  it('a push payload without commit SHAs', async () => {
    const payload = pushPayload({ before: A, after: B })
    delete payload.after
    await expect(async () =>
      readEvent(await runnerEnv({ name: 'push', payload, sha: B }))
    ).rejects.toThrow("The push payload's 'after' is not a commit SHA.")
  })

  it('a pull_request payload without a base', async () => {
    const payload = pullRequestPayload({ baseSha: A, headSha: B })
    delete payload.pull_request.base
    await expect(async () =>
      readEvent(await runnerEnv({ name: 'pull_request', payload, sha: M }))
    ).rejects.toThrow("The pull_request payload has no 'pull_request.base' object.")
  })
})
