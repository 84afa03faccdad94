// Releases the action must not touch: one it did not deploy (a hand-installed
// release, whatever the plan says), and one another run left pending less than
// pending-grace ago. Both are reported and left exactly as they were.
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import { eventually, UNSCHEDULABLE_DEPLOYMENT } from '../support/testbed.ts'
import { act, bed, clusterA, faultCase } from './action.ts'
import { faultSuite, HELLO_CHART, opsRepo, planYaml, valuesYaml } from './ops.ts'
import { expectFailed, expectSucceeded, history, message, resultOf } from './outcomes.ts'

const suite = faultSuite()
const kubeconfigA = bed.kubeconfigs[0] ?? ''

/** helm on cluster A, as a person at a terminal would run it. */
function helmByHand(...args: string[]): void {
  const r = spawnSync(bed.helm4, args, {
    env: { ...process.env, KUBECONFIG: kubeconfigA },
    encoding: 'utf8'
  })
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')}: ${r.stderr}`)
}

describe('releases the action does not own', () => {
  faultCase(
    'a hand-installed release under a new plan, then that plan removed',
    'the plan fails with "was not deployed by gitops-action, so it is left alone" and how to hand it over; the removal is skipped with the same reason; the release stays at revision 1 with its own values',
    async () => {
      const ns = suite.ns('foreign')
      const values = join(mkdtempSync(join(tmpdir(), 'by-hand-')), 'v.yaml')
      writeFileSync(values, valuesYaml('by hand'))
      helmByHand('install', 'web', HELLO_CHART, '-n', ns, '--create-namespace', '-f', values)

      const ops = await opsRepo()
      const plan = `local/a/${ns}/web.yaml`
      const added = await ops.commit({
        'values/web.yaml': valuesYaml('from git'),
        [plan]: planYaml({ values: 'values/web.yaml' })
      })
      const run = await ops.push(added)
      expectFailed(
        run,
        plan,
        `${plan}: release ${ns}/web (revision 1, deployed) was not deployed by gitops-action, so it is left alone; to hand it over, label its newest release Secret: kubectl label secret -n ${ns} sh.helm.release.v1.web.v1 gitops-action/managed=true (or delete the release)`,
        { operation: 'upgrade' }
      )
      expect(await history(clusterA, ns, 'web')).toEqual(['1:deployed'])
      expect(await message(clusterA, ns, 'web')).toBe('by hand')

      const removed = await ops.commit({}, [plan])
      const removal = await act(ops.repo.dir, { push: { before: added, after: removed } })
      expect(resultOf(removal, plan)).toMatchObject({
        operation: 'uninstall',
        status: 'skipped',
        error: null,
        notes: [
          `release ${ns}/web (revision 1, deployed) was not deployed by gitops-action, so it is left alone`
        ]
      })
      expect(removal.code).toBe(0)
      expect(await history(clusterA, ns, 'web')).toEqual(['1:deployed'])
    }
  )

  faultCase(
    'a release another workflow run left pending-upgrade a moment ago',
    'the plan fails with "another run is deploying it" (revision, since, run) and the release stays pending-upgrade, untouched; once older than pending-grace it is rolled back and upgraded, and the notes say why',
    async () => {
      const ns = suite.ns('pending')
      const ops = await opsRepo()
      const plan = `local/a/${ns}/web.yaml`
      const v1 = await ops.commit({
        'values/web.yaml': valuesYaml('v1'),
        [plan]: planYaml({ values: 'values/web.yaml' })
      })
      expectSucceeded(await ops.push(v1), plan, 'install', 1)

      // Another run (run 555) is in the middle of an upgrade: helm waits for a Deployment that never becomes ready.
      const chart = join(mkdtempSync(join(tmpdir(), 'other-run-')), 'hello')
      cpSync(HELLO_CHART, chart, { recursive: true })
      writeFileSync(join(chart, 'templates', 'never.yaml'), UNSCHEDULABLE_DEPLOYMENT)
      const [record] = await clusterA.releaseSecrets(ns, 'web')
      const marker = Object.entries(record?.metadata?.labels ?? {})
        .filter(([key]) => key.startsWith('gitops-action/'))
        .map(([key, value]) => `${key}=${key === 'gitops-action/run' ? '555' : value}`)
      const other = spawn(
        bed.helm4,
        [
          'upgrade',
          'web',
          chart,
          '-n',
          ns,
          '--labels',
          marker.join(','),
          '--wait',
          '--timeout',
          '5m'
        ],
        { env: { ...process.env, KUBECONFIG: kubeconfigA }, stdio: 'ignore' }
      )
      try {
        await eventually(
          'revision 2 pending-upgrade',
          async () => (await clusterA.releaseStatus(ns, 'web')) === 'pending-upgrade'
        )
        const v2 = await ops.commit({ 'values/web.yaml': valuesYaml('v2') })
        const trigger = { push: { before: v1, after: v2 } }
        const run = await act(ops.repo.dir, trigger)
        expectFailed(
          run,
          plan,
          new RegExp(
            `^${plan}: another run is deploying ${ns}/web: revision 2 is pending-upgrade since \\S+ by run 555; it is recovered once older than pending-grace \\(600 s\\)$`
          ),
          { operation: 'upgrade' }
        )
        expect(await history(clusterA, ns, 'web')).toEqual(['1:deployed', '2:pending-upgrade'])
        expect(await message(clusterA, ns, 'web')).toBe('v1')

        other.kill('SIGKILL')
        await new Promise((r) => setTimeout(r, 1_100))
        const later = await act(ops.repo.dir, trigger, { inputs: { 'pending-grace': '1' } })
        const result = expectSucceeded(later, plan, 'upgrade', 4)
        expect(result.notes).toEqual([
          'recovered: release was left pending-upgrade at revision 2 more than pending-grace (1 s) ago, rolled back to revision 1'
        ])
        expect(await message(clusterA, ns, 'web')).toBe('v2')
      } finally {
        other.kill('SIGKILL')
      }
    }
  )
})
