import { afterAll, describe, expect, it } from 'vitest'
import { openCheckout } from '../../../src/plan/checkout.ts'
import { GitRepo, removeTempDirs, tempDir } from '../../support/git-repo.ts'

afterAll(removeTempDirs)

describe('openCheckout', () => {
  it('lists files (not .git, not through linked folders), reads them, resolves symlinks inside', async () => {
    const outside = await tempDir()
    const repo = await (
      await GitRepo.create()
    ).write({
      'a/b/ns/x.yaml': 'chart: a/b\n',
      'values/v.yaml': 'a: 1\n',
      '.github/w.yml': 'on: push\n'
    })
    await repo.commit()
    await repo.link('values/link.yaml', 'v.yaml')
    await repo.link('values/dangling.yaml', 'nothing-here.yaml')
    await repo.link('linked-folder', 'values')
    await repo.link('escape', outside)
    const checkout = await openCheckout(repo.dir)
    expect([...checkout.listFiles()].sort()).toEqual([
      '.github/w.yml',
      'a/b/ns/x.yaml',
      'values/link.yaml',
      'values/v.yaml'
    ])
    expect(checkout.readText('a/b/ns/x.yaml')).toBe('chart: a/b\n')
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
    expect(checkout.resolve('.')).toEqual({ ok: false, reason: 'missing' })
  })

  it('says what to do when the workspace is missing', async () => {
    await expect(openCheckout('/no/such/workspace')).rejects.toThrow(
      'The workspace /no/such/workspace does not exist: check out the ops repository first (actions/checkout).'
    )
  })
})
