import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { commitFolders, openCheckout } from '../../../src/plan/checkout.ts'
import { GitRepo, removeTempDirs, tempDir } from '../../support/git-repo.ts'

afterAll(removeTempDirs)

describe('openCheckout', () => {
  it('refuses a checkout at another commit than the event names', async () => {
    const repo = await (await GitRepo.create()).write({ 'a.txt': 'a\n' })
    const first = await repo.commit()
    const second = await repo.commit()
    await expect(openCheckout(repo.dir, first)).rejects.toThrow(
      `The checkout is at commit ${second}, not at the event's commit ${first}: check out ${first} before this action (actions/checkout without a ref does), so that what is deployed is the commit the event names.`
    )
  })

  it('refuses a folder that is not a git checkout', async () => {
    const dir = await tempDir()
    await expect(openCheckout(dir, 'a'.repeat(40))).rejects.toThrow(
      'is not a git checkout with a commit: check out the ops repository with actions/checkout before this action'
    )
  })

  it('lists files (not .git, not through linked folders), reads them, resolves symlinks inside', async () => {
    const outside = await tempDir()
    const repo = await (
      await GitRepo.create()
    ).write({
      'a/b/ns/x.yaml': 'chart: a/b\n',
      'values/v.yaml': 'a: 1\n',
      '.github/w.yml': 'on: push\n'
    })
    await repo.link('values/link.yaml', 'v.yaml')
    await repo.link('values/dangling.yaml', 'nothing-here.yaml')
    await repo.link('linked-folder', 'values')
    await repo.link('escape', outside)
    const head = await repo.commit()
    // Not in the commit: never a file of the checkout, whatever lies on disk.
    await repo.write({ 'a/b/ns/untracked.yaml': 'chart: a/b\n', 'values/new.yaml': 'b: 2\n' })
    await repo.link('values/link-new.yaml', 'new.yaml')
    const checkout = await openCheckout(repo.dir, head)
    expect([...checkout.listFiles()].sort()).toEqual([
      '.github/w.yml',
      'a/b/ns/x.yaml',
      'values/link.yaml',
      'values/v.yaml'
    ])
    expect(checkout.readText('a/b/ns/x.yaml', 100)).toEqual({ ok: true, text: 'chart: a/b\n' })
    expect(checkout.readText('a/b/ns/x.yaml', 4)).toEqual({
      ok: false,
      reason: 'too-large',
      bytes: 11
    })
    expect(checkout.resolve('values/new.yaml')).toEqual({ ok: false, reason: 'untracked' })
    expect(checkout.resolve('values/link-new.yaml')).toEqual({ ok: false, reason: 'untracked' })
    expect(checkout.resolve('values/link.yaml')).toEqual({
      ok: true,
      path: 'values/v.yaml',
      kind: 'file'
    })
    expect(checkout.resolve('linked-folder/v.yaml')).toEqual({
      ok: true,
      path: 'values/v.yaml',
      kind: 'file'
    })
    expect(checkout.resolve('values')).toEqual({ ok: true, path: 'values', kind: 'directory' })
    expect(checkout.resolve('values/dangling.yaml')).toEqual({ ok: false, reason: 'missing' })
    expect(checkout.resolve('escape')).toEqual({ ok: false, reason: 'outside' })
    expect(checkout.resolve('../')).toEqual({ ok: false, reason: 'outside' })
    // The root is no file of the commit (a symlink to it reaches .git).
    expect(checkout.resolve('.')).toEqual({ ok: false, reason: 'untracked' })
  })

  it('says what to do when the workspace is missing', async () => {
    await expect(openCheckout('/no/such/workspace', 'a'.repeat(40))).rejects.toThrow(
      'The workspace /no/such/workspace does not exist: check out the ops repository first (actions/checkout).'
    )
  })
})

describe('commitFolders', () => {
  it("writes a commit's whole tree once, however many ask, and leaves the checkout alone", async () => {
    const repo = await (
      await GitRepo.create()
    ).write({ 'hooks/drain.sh': '. "$(dirname "$0")/lib.sh"\n', 'hooks/lib.sh': 'echo lib\n' })
    const base = await repo.commit()
    await repo.remove('hooks')
    await repo.commit()
    const folderOf = commitFolders(repo.dir, await tempDir())
    const [first, again] = await Promise.all([folderOf(base), folderOf(base)])
    expect(again).toBe(first)
    expect(readFileSync(join(first, 'hooks/lib.sh'), 'utf8')).toBe('echo lib\n')
    expect(existsSync(join(repo.dir, 'hooks'))).toBe(false)
  })
})
