import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { readBasePlans } from '../../../src/plan/base-plans.ts'
import { setupReleaseKey } from '../../../src/types/plan.ts'
import { openCommitCheckout } from '../../../src/plan/checkout.ts'
import { GitRepo, removeTempDirs, tempDir } from '../../support/git-repo.ts'
import { testConfig } from '../../support/config.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))

afterAll(removeTempDirs)
vi.setConfig({ testTimeout: 60_000 })

const target = (release: string, namespace = 'ns') => ({
  plan: `local/a/${namespace}/${release}.yaml`,
  setup: 'local/a',
  namespace,
  release
})

describe("the diff base's plans", () => {
  it('reads the base commit into a private folder, by release, leaving the checkout alone', async () => {
    const repo = await GitRepo.create()
    await repo.write({
      'values/web.yaml': 'message: base\n',
      'local/a/ns/web.yaml': 'chart: ./charts/x\nvalues: values/web.yaml\n',
      'local/a/ns/old-name.yml': 'chart: bed/hello\nversion: 0.1.0\n',
      'local/a/ns/broken.yaml': 'chart: ./charts/x\nchrat: oops\n',
      'charts/x/Chart.yaml': 'apiVersion: v2\nname: x\nversion: 0.1.0\n',
      '.gitops/repositories.yaml': 'repositories:\n  - name: bed\n    url: https://charts.example\n'
    })
    const base = await repo.commit('base')
    await repo.write({ 'values/web.yaml': 'message: head\n', 'untracked.txt': 'x' })
    await repo.git('add', 'values/web.yaml')
    const status = await repo.git('status', '--porcelain')

    const dir = await tempDir('gitops-base-')
    const checkout = await openCommitCheckout(repo.dir, base, dir)
    const { plans, repositories } = readBasePlans(checkout, testConfig(), [
      target('web'),
      target('old-name'),
      target('broken'),
      target('new')
    ])
    expect(await readFile(join(checkout.root, 'values/web.yaml'), 'utf8')).toBe('message: base\n')
    expect(repositories.map((r) => r.name)).toEqual(['bed'])
    expect(plans.get(setupReleaseKey(target('web')))).toMatchObject({
      kind: 'plan',
      plan: 'local/a/ns/web.yaml',
      spec: { values: ['values/web.yaml'], chart: { kind: 'local', path: 'charts/x' } }
    })
    // A plan file renamed (.yml → .yaml) is found by its release.
    expect(plans.get(setupReleaseKey(target('old-name')))).toMatchObject({
      kind: 'plan',
      spec: { version: '0.1.0' }
    })
    expect(plans.get(setupReleaseKey(target('broken')))).toMatchObject({
      kind: 'problem',
      message: expect.stringMatching(/chrat/)
    })
    expect(plans.has(setupReleaseKey(target('new')))).toBe(false)
    // The checkout's index and work tree are as they were.
    expect(await repo.git('status', '--porcelain')).toBe(status)
  })
})
