import { afterAll, describe, expect, it, vi } from 'vitest'
import { gitChanges, parseNameStatus } from '../../../src/changes/git.ts'
import {
  GitRepo,
  cloneAt,
  git,
  hasCommit,
  removeTempDirs,
  tempDir
} from '../../support/git-repo.ts'
import { hang, startFaultServer } from '../../support/fault-servers.ts'
import { forcePushed } from '../../support/force-push.ts'

afterAll(removeTempDirs)
// Real git processes: slow on a busy 2-core runner, never wrong.
vi.setConfig({ testTimeout: 60_000 })

const PLAN = 'chart: stable/nginx\n'
const sorted = <T extends { path: string }>(list: readonly T[]): T[] =>
  [...list].sort((a, b) => a.path.localeCompare(b.path))

describe('gitChanges on a full checkout', () => {
  it('lists added, modified and removed paths between two commits', async () => {
    const repo = await GitRepo.create()
    await repo.write({
      'a/b/ns/keep.yaml': PLAN,
      'a/b/ns/edit.yaml': PLAN,
      'a/b/ns/drop.yaml': PLAN
    })
    const base = await repo.commit('base')
    await repo.write({
      'a/b/ns/edit.yaml': 'chart: stable/nginx\nversion: 2.0.0\n',
      'a/b/ns/new.yaml': PLAN,
      'docs/With space ü.md': 'x'
    })
    await repo.remove('a/b/ns/drop.yaml')
    const head = await repo.commit('head')

    expect(sorted(await gitChanges(repo.dir, base, head, false))).toEqual([
      { path: 'a/b/ns/drop.yaml', status: 'removed' },
      { path: 'a/b/ns/edit.yaml', status: 'modified' },
      { path: 'a/b/ns/new.yaml', status: 'added' },
      { path: 'docs/With space ü.md', status: 'added' }
    ])
  })

  it('splits a rename into a removal and an addition', async () => {
    const repo = await GitRepo.create()
    await repo.write({ 'a/b/ns/old.yaml': PLAN })
    const base = await repo.commit()
    await repo.move('a/b/ns/old.yaml', 'a/b/other/new.yaml')
    const head = await repo.commit()
    expect(sorted(await gitChanges(repo.dir, base, head, false))).toEqual([
      { path: 'a/b/ns/old.yaml', status: 'removed' },
      { path: 'a/b/other/new.yaml', status: 'added' }
    ])
  })

  it('a plan added and removed inside the range is no change', async () => {
    const repo = await GitRepo.create()
    await repo.write({ 'a/b/ns/keep.yaml': PLAN })
    const base = await repo.commit()
    await repo.write({ 'a/b/ns/brief.yaml': PLAN })
    await repo.commit('add')
    await repo.remove('a/b/ns/brief.yaml')
    const head = await repo.commit('remove')
    expect(await gitChanges(repo.dir, base, head, false)).toEqual([])
  })

  it('after a force push, compares the old head with the new one (what the old head had is undone)', async () => {
    const repo = await GitRepo.create()
    await repo.write({ 'a/b/ns/app.yaml': PLAN })
    const root = await repo.commit()
    await repo.write({ 'a/b/ns/only-old.yaml': PLAN })
    const oldHead = await repo.commit('to be rewritten')
    await repo.git('reset', '-q', '--hard', root)
    await repo.write({ 'a/b/ns/only-new.yaml': PLAN })
    const newHead = await repo.commit('rewritten')
    expect(sorted(await gitChanges(repo.dir, oldHead, newHead, false))).toEqual([
      { path: 'a/b/ns/only-new.yaml', status: 'added' },
      { path: 'a/b/ns/only-old.yaml', status: 'removed' }
    ])
  })

  it('stops a fetch from a hanging origin when the run is cancelled', async () => {
    const origin = await startFaultServer({ '*': [hang] })
    try {
      const repo = await GitRepo.create()
      await repo.write({ 'a.txt': '1' })
      const head = await repo.commit()
      await git(repo.dir, 'remote', 'add', 'origin', `${origin.url}/ops.git`)
      const cancel = new AbortController()
      const changes = gitChanges(repo.dir, 'c'.repeat(40), head, false, cancel.signal)
      const outcome = expect(changes).rejects.toThrow(/^git fetch stopped: the run was cancelled$/)
      // Cancelled once git waits on the origin's answer.
      while (origin.requests.length === 0) await new Promise((r) => setTimeout(r, 50))
      const cancelled = performance.now()
      cancel.abort()
      await outcome
      expect(performance.now() - cancelled).toBeLessThan(3_000)
    } finally {
      await origin.close()
    }
  })

  it('refuses a folder that is not a git checkout', async () => {
    const dir = await tempDir()
    await expect(gitChanges(dir, 'a'.repeat(40), 'b'.repeat(40), false)).rejects.toThrow(
      /is not a git checkout/
    )
  })
})

describe('gitChanges on a shallow clone (actions/checkout with fetch-depth 1)', () => {
  it('fetches the missing base commit from origin and diffs', async () => {
    const repo = await GitRepo.create()
    await repo.write({ 'a/b/ns/app.yaml': PLAN })
    const base = await repo.commit()
    await repo.write({ 'a/b/ns/app.yaml': 'chart: stable/nginx\nversion: 1.0.0\n' })
    await repo.commit('middle')
    await repo.write({ 'values/x.yaml': 'a: 1\n' })
    const head = await repo.commit()
    const origin = await repo.bareOrigin()
    const checkout = await cloneAt(origin, head)

    expect(await git(checkout, 'rev-parse', '--is-shallow-repository')).toBe('true')
    expect(await hasCommit(checkout, base)).toBe(false)
    expect(sorted(await gitChanges(checkout, base, head, false))).toEqual([
      { path: 'a/b/ns/app.yaml', status: 'modified' },
      { path: 'values/x.yaml', status: 'added' }
    ])
    expect(await hasCommit(checkout, base)).toBe(true)
    // Still shallow: only the base commit was fetched, not the history.
    expect(await git(checkout, 'rev-parse', '--is-shallow-repository')).toBe('true')
  })

  it('fetches an old head that a force push left unreachable (origin still holds it)', async () => {
    const { origin, oldHead, newHead } = await forcePushed(
      { 'a/b/ns/app.yaml': PLAN },
      { 'a/b/ns/gone.yaml': PLAN },
      { 'a/b/ns/app.yaml': 'chart: stable/nginx\nversion: 3.0.0\n' }
    )
    const checkout = await cloneAt(origin, newHead)
    expect(sorted(await gitChanges(checkout, oldHead, newHead, false))).toEqual([
      { path: 'a/b/ns/app.yaml', status: 'modified' },
      { path: 'a/b/ns/gone.yaml', status: 'removed' }
    ])
  })

  it('fails clearly when origin does not have the base either', async () => {
    const repo = await GitRepo.create()
    await repo.write({ 'x.txt': '1' })
    const head = await repo.commit()
    const origin = await repo.bareOrigin()
    const checkout = await cloneAt(origin, head)
    const unknown = 'f'.repeat(40)
    await expect(gitChanges(checkout, unknown, head, false)).rejects.toThrow(
      `commit ${unknown} is not in the checkout and could not be fetched from origin`
    )
  })
})

describe('gitChanges for a pull request (since the merge base)', () => {
  async function pullRequest() {
    const repo = await GitRepo.create()
    await repo.write({ 'a/b/ns/app.yaml': PLAN, 'a/b/ns/other.yaml': PLAN })
    const fork = await repo.commit('fork point')
    await repo.git('checkout', '-q', '-b', 'feature')
    await repo.write({ 'a/b/ns/app.yaml': 'chart: stable/nginx\nversion: 9.9.9\n' })
    const prHead = await repo.commit('the pull request')
    await repo.git('checkout', '-q', 'main')
    await repo.remove('a/b/ns/other.yaml')
    const baseTip = await repo.commit('main moved on')
    // GitHub's refs/pull/N/merge: the pull request merged into the base tip.
    await repo.git('merge', '-q', '--no-ff', '-m', 'merge', 'feature')
    const merge = await repo.head()
    const origin = await repo.bareOrigin()
    return { repo, origin, fork, prHead, baseTip, merge }
  }

  it('on the merge commit (the default checkout), shows only what the pull request changes', async () => {
    const { origin, baseTip, merge } = await pullRequest()
    const checkout = await cloneAt(origin, merge)
    expect(await gitChanges(checkout, baseTip, merge, true)).toEqual([
      { path: 'a/b/ns/app.yaml', status: 'modified' }
    ])
  })

  it('on the pull request head, ignores what the base branch did since the fork (deepening a shallow clone)', async () => {
    const { origin, baseTip, prHead } = await pullRequest()
    const checkout = await cloneAt(origin, prHead)
    expect(await gitChanges(checkout, baseTip, prHead, true)).toEqual([
      { path: 'a/b/ns/app.yaml', status: 'modified' }
    ])
    // The same two commits compared as trees would wrongly show other.yaml as added back.
    expect(sorted(await gitChanges(checkout, baseTip, prHead, false))).toEqual([
      { path: 'a/b/ns/app.yaml', status: 'modified' },
      { path: 'a/b/ns/other.yaml', status: 'added' }
    ])
  })
})

describe('parseNameStatus', () => {
  it('reads NUL-separated output, type changes as modifications', () => {
    expect(parseNameStatus('A\0a b\0M\0c\0D\0d\0T\0e\0')).toEqual([
      { path: 'a b', status: 'added' },
      { path: 'c', status: 'modified' },
      { path: 'd', status: 'removed' },
      { path: 'e', status: 'modified' }
    ])
    expect(parseNameStatus('')).toEqual([])
  })

  it('rejects a status it does not know (a rename when renames should be off)', () => {
    expect(() => parseNameStatus('R100\0a\0')).toThrow("unexpected git diff status 'R100' for a")
  })
})
