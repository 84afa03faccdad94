// Faults in the middle of a run: an API server killed during an upgrade and started
// again, SIGTERM to the action while a hook runs, a kubeconfig store that flaps.
// After each, a re-run of the same event leaves every cluster matching git.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect } from 'vitest'
import type { ActionRun } from '../support/action-runner.ts'
import { file, reset, startFaultServer, status } from '../support/fault-servers.ts'
import {
  repositoryHandlers,
  startGitHubApiServer,
  writeHandlers,
  type WriteState
} from '../support/github-api-server.ts'
import { eventually } from '../support/testbed.ts'
import { act, bed, clusterA, clusterB, faultCase, SETUP_A, SETUP_B } from './action.ts'
import { faultSuite, HELLO_CHART, opsRepo, planYaml } from './ops.ts'
import {
  expectFailed,
  expectSucceeded,
  expectUnchanged,
  gone,
  history,
  message,
  resultOf
} from './outcomes.ts'

const repoRoot = resolve(import.meta.dirname, '..', '..')
const suite = faultSuite()
function ctl(...args: string[]): void {
  const r = spawnSync(process.execPath, [join(repoRoot, 'test/bed/ctl.mjs'), ...args], {
    encoding: 'utf8'
  })
  if (r.status !== 0) throw new Error(`ctl ${args.join(' ')} failed: ${r.stderr}${r.stdout}`)
}

describe('interruptions', () => {
  faultCase(
    'the API server killed in the middle of an upgrade, then restarted',
    'the upgrade fails and the release is left pending-upgrade; the re-run recovers it (rolled back to revision 1, reported) and upgrades: the cluster matches git',
    async () => {
      const ns = suite.ns('kill')
      const ops = await opsRepo()
      // A Deployment whose rollout takes 8 s (minReadySeconds): `helm --wait` is mid-upgrade that long.
      cpSync(HELLO_CHART, join(ops.repo.dir, 'charts', 'slow'), { recursive: true })
      const deployment = join(ops.repo.dir, 'charts', 'slow', 'templates', 'deployment.yaml')
      writeFileSync(
        deployment,
        readFileSync(deployment, 'utf8').replace(/^spec:\n/m, 'spec:\n  minReadySeconds: 8\n')
      )
      const plan = `local/a/${ns}/web.yaml`
      const values = (msg: string, tag: string): string =>
        `message: ${msg}\ndeployment:\n  enabled: true\n  image: registry.k8s.io/pause:${tag}\n`
      const v1 = await ops.commit({
        'values/web.yaml': values('v1', '3.10'),
        [plan]: planYaml({ chart: './charts/slow', values: 'values/web.yaml' })
      })
      const inputs = { 'helm-args': '--wait --timeout 20s' }
      expectSucceeded(await ops.push(v1, { inputs }), plan, 'install', 1)

      const v2 = await ops.commit({ 'values/web.yaml': values('v2', '3.9') })
      const trigger = { push: { before: v1, after: v2 } }
      let run: ActionRun
      try {
        const running = act(ops.repo.dir, trigger, { inputs })
        await eventually(
          'revision 2 pending-upgrade',
          async () => (await clusterA.releaseStatus(ns, 'web')) === 'pending-upgrade',
          60_000
        )
        ctl('apiserver', 'stop', SETUP_A)
        run = await running
      } finally {
        ctl('apiserver', 'start', SETUP_A)
      }
      expectFailed(run, plan, new RegExp(`^${plan}: helm upgrade failed: .+`), {
        operation: 'upgrade'
      })
      expect(await history(clusterA, ns, 'web')).toEqual(['1:deployed', '2:pending-upgrade'])
      // The cluster's own controllers back off while their API server is away: wait until they caught up.
      await eventually(
        'the deployment controller back',
        async () => {
          const d = await clusterA.deployment(ns, 'web-hello')
          return d?.status?.observedGeneration === d?.metadata?.generation
        },
        120_000
      )

      // Its pods settle slowly after the outage (kwok and the controllers back off): a longer wait.
      const rerun = await act(ops.repo.dir, trigger, {
        inputs: { 'helm-args': '--wait --timeout 90s' }
      })
      const result = expectSucceeded(rerun, plan, 'upgrade', 4)
      expect(result.notes).toEqual([
        'recovered: release was left pending-upgrade at revision 2 by an earlier attempt of this run, rolled back to revision 1'
      ])
      expect(await message(clusterA, ns, 'web')).toBe('v2')
      const image = (await clusterA.deployment(ns, 'web-hello'))?.spec?.template.spec?.containers[0]
        ?.image
      expect(image).toBe('registry.k8s.io/pause:3.9')
      expect((await history(clusterA, ns, 'web')).at(-1)).toBe('4:deployed')
    },
    240_000
  )

  faultCase(
    'SIGTERM to the action while a hook runs',
    'the hook\'s processes are killed, the plan fails "stopped: the run was cancelled", the next is skipped, what finished is reported, the Deployment ends in error, exit within 10 s, the kubeconfigs are gone when the main step ends; the re-run installs the rest',
    async () => {
      const ns = suite.ns('term')
      const ops = await opsRepo()
      const plans = ['a-first', 'b-term', 'c-after'].map((r) => `local/a/${ns}/${r}.yaml`) as [
        string,
        string,
        string
      ]
      const head = await ops.commit({
        // The runner's SIGTERM, sent to the action (the hook's parent) once, while the hook runs.
        'hooks/term.sh':
          'echo $$ > hook.pid\nif [ ! -e term.done ]; then touch term.done; kill -TERM $PPID; sleep 600; fi\n',
        [plans[0]]: planYaml(),
        [plans[1]]: planYaml({ hooks: { 'pre-install': ['hooks/term.sh'] } }),
        [plans[2]]: planYaml()
      })
      const trigger = { push: { before: ops.base, after: head } }
      let workdir = ''
      // One plan at a time, so the plan after the cancelled one has not started.
      const inputs = { 'parallel-plans': '1' }
      const github: WriteState = { comments: [], deployments: [] }
      const server = await startGitHubApiServer({
        ...repositoryHandlers({ origin: ops.origin }),
        ...writeHandlers(github)
      })
      const run = await act(ops.repo.dir, trigger, {
        inputs: { ...inputs, deployments: 'true' },
        env: { GITHUB_API_URL: server.url },
        beforePost: (state) => {
          workdir = state['gitops-workdir'] ?? ''
          // Cancelled as it was, the main step removed them itself.
          expect(workdir).not.toBe('')
          expect(existsSync(workdir)).toBe(false)
        }
      })
      expect(run.code).toBe(1)
      expect(run.durationMs).toBeLessThan(10_000)
      expectSucceeded(run, plans[0], 'install', 1)
      expectFailed(
        run,
        plans[1],
        `${plans[1]}: pre-install hook hooks/term.sh stopped: the run was cancelled; helm install was not run`,
        { operation: 'install' }
      )
      expect(resultOf(run, plans[2])).toMatchObject({
        status: 'skipped',
        notes: ['not run: the run was cancelled']
      })
      expect(run.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toContain(
        'The run was cancelled: what finished is reported; the next run recovers the rest.'
      )
      await server.close()
      expect(server.violations).toEqual([])
      // Not `failure` of one plan: the run did not get to say how the rest went.
      expect(
        github.deployments.map((d) => d.statuses.map((s) => [s.state, s.description]))
      ).toEqual([
        [
          ['in_progress', 'deploying'],
          ['error', 'the run was cancelled; 1 of 3 plan(s) failed, the rest may not have run']
        ]
      ])
      expect(gone(Number(readFileSync(join(ops.repo.dir, 'hook.pid'), 'utf8')))).toBe(true)
      expect(existsSync(workdir)).toBe(false)
      expect(await history(clusterA, ns, 'b-term')).toEqual([])

      const rerun = await act(ops.repo.dir, trigger, { inputs })
      expectUnchanged(rerun, plans[0], 1)
      expectSucceeded(rerun, plans[1], 'install', 1)
      expectSucceeded(rerun, plans[2], 'install', 1)
      expect(rerun.code).toBe(0)
    }
  )

  faultCase(
    'a flapping kubeconfig store',
    'local/b gets through on a retry; local/a fails after 4 dropped or 503 answers ("gave up after 4 attempts"); the re-run, still flapping, gets through on a retry and installs local/a',
    async () => {
      const { ns, ops, head, planIn } = await suite.plans('flap', [SETUP_A, SETUP_B])
      const [planA, planB] = [planIn(SETUP_A), planIn(SETUP_B)]
      const server = await startFaultServer({
        [`/store/${SETUP_A}/kubeconfig.yaml`]: [
          reset,
          status(503),
          reset,
          reset,
          file(bed.kubeconfigs[0] as string)
        ],
        [`/store/${SETUP_B}/kubeconfig.yaml`]: [reset, file(bed.kubeconfigs[1] as string)]
      })
      try {
        const inputs = { 'kubeconfig-store-url': `${server.url}/store` }
        const trigger = { push: { before: ops.base, after: head } }
        const run = await act(ops.repo.dir, trigger, { inputs })
        expectFailed(
          run,
          planA,
          new RegExp(
            `^${planA}: kubeconfig of setup ${SETUP_A} at ${server.url}/store/${SETUP_A}/kubeconfig\\.yaml: .*(other side closed|socket hang up).* \\(gave up after 4 attempts\\)$`
          ),
          { operation: null }
        )
        expectSucceeded(run, planB, 'install', 1)
        expect(server.count(`/store/${SETUP_A}/kubeconfig.yaml`)).toBe(4)
        expect(server.count(`/store/${SETUP_B}/kubeconfig.yaml`)).toBe(2)
        server.script(`/store/${SETUP_A}/kubeconfig.yaml`, [
          status(502),
          file(bed.kubeconfigs[0] as string)
        ])
        server.script(`/store/${SETUP_B}/kubeconfig.yaml`, [
          reset,
          file(bed.kubeconfigs[1] as string)
        ])
        // Its pods settle slowly after the outage (kwok and the controllers back off): a longer wait.
        const rerun = await act(ops.repo.dir, trigger, {
          inputs: { 'helm-args': '--wait --timeout 90s' }
        })
        expectSucceeded(rerun, planA, 'install', 1)
        // helm-args are part of what a release deploys: new ones upgrade it.
        expectSucceeded(rerun, planB, 'upgrade', 2)
        expect(await message(clusterA, ns, 'app')).toBe('flap')
        expect(await message(clusterB, ns, 'app')).toBe('flap')
      } finally {
        await server.close()
      }
    }
  )
})
