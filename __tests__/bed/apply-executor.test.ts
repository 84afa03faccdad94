// The executor on the bed's real API servers: install, upgrade, uninstall, recovery
// of a pending release, hooks, with Helm 4 and Helm 3; results read back through the API.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Helm } from '../../src/apply/helm.ts'
import {
  Cluster,
  clusters,
  eventually,
  kubeconfigOf,
  UNSCHEDULABLE_DEPLOYMENT
} from '../support/testbed.ts'
import {
  HELMS,
  applyStep,
  bed,
  config,
  deploy,
  hookLog,
  localChart,
  plan,
  recordingHook,
  scratchRepo,
  sha,
  spec,
  target,
  uninstallStep,
  uniqueName,
  writeFile
} from './apply-fixtures.ts'

const [setupA] = bed.setups as [string]
const namespaces: Array<[Cluster, string]> = []
let clusterA: Cluster

beforeAll(() => {
  process.env.RUNNER_TEMP = mkdtempSync(join(tmpdir(), 'runner-temp-'))
  clusterA = clusters()[0] as Cluster
})
afterAll(async () => {
  for (const [cluster, ns] of namespaces) await cluster.deleteNamespace(ns)
})

function namespace(cluster: Cluster = clusterA): string {
  const ns = uniqueName('apply')
  namespaces.push([cluster, ns])
  return ns
}

const signal = new AbortController().signal

describe.each(HELMS)('%s on a real cluster', (_name, helm: Helm) => {
  it('installs with hooks around it, upgrades, leaves an unchanged plan alone, uninstalls', async () => {
    const repo = scratchRepo()
    const ns = namespace()
    const t = target(setupA, ns, 'web')
    const hooks = {
      'pre-install': [recordingHook(repo, 'pre-install')],
      'post-install': [recordingHook(repo, 'post-install')],
      'pre-upgrade': [recordingHook(repo, 'pre-upgrade')],
      'post-upgrade': [recordingHook(repo, 'post-upgrade')]
    }
    const values = writeFile(
      repo,
      'values/web.yaml',
      'message: first\ndeployment: {enabled: false}\n'
    )
    const s = spec(localChart(), { values: [values], hooks })

    const [installed] = await deploy(plan(sha(1), [applyStep(t, s)]), config(repo), helm, signal)
    expect(installed).toMatchObject({
      operation: 'install',
      status: 'succeeded',
      revision: 1,
      version: '0.1.0',
      error: null
    })
    expect((await clusterA.configMap(ns, 'web-hello'))?.data?.message).toBe('first')
    expect(hookLog(repo)).toEqual([
      `pre-install absent install ${setupA} ${ns} web ${t.plan} ${sha(1)} ./charts/hello - kubeconfig ${repo}`,
      `post-install deployed install ${setupA} ${ns} web ${t.plan} ${sha(1)} ./charts/hello - kubeconfig ${repo}`
    ])
    const [record] = await clusterA.releaseSecrets(ns, 'web')
    expect(record?.metadata?.labels?.status).toBe('deployed')

    writeFile(repo, 'values/web.yaml', 'message: second\ndeployment: {enabled: false}\n')
    const [upgraded] = await deploy(plan(sha(2), [applyStep(t, s)]), config(repo), helm, signal)
    expect(upgraded).toMatchObject({ operation: 'upgrade', status: 'succeeded', revision: 2 })
    expect((await clusterA.configMap(ns, 'web-hello'))?.data?.message).toBe('second')
    expect(
      hookLog(repo)
        .slice(2)
        .map((l) => l.split(' ').slice(0, 3).join(' '))
    ).toEqual(['pre-upgrade deployed upgrade', 'post-upgrade deployed upgrade'])

    // The same plan again (its post-hooks finished): left alone, no hook, no helm.
    const [again] = await deploy(plan(sha(2), [applyStep(t, s)]), config(repo), helm, signal)
    expect(again).toMatchObject({ operation: 'upgrade', status: 'unchanged', revision: 2 })
    expect(again?.notes).toEqual([
      `unchanged: revision 2 already deploys this plan (commit ${sha(2).slice(0, 12)})`
    ])
    expect(await clusterA.releaseSecrets(ns, 'web')).toHaveLength(2)
    expect(hookLog(repo)).toHaveLength(4)
    // A re-sync applies it anyway (it repairs drift).
    const [resynced] = await deploy(
      plan(sha(2), [applyStep(t, s)], [], true),
      config(repo),
      helm,
      signal
    )
    expect(resynced).toMatchObject({ operation: 'upgrade', status: 'succeeded', revision: 3 })

    const [removed] = await deploy(plan(sha(3), [uninstallStep(t)]), config(repo), helm, signal)
    expect(removed).toMatchObject({ operation: 'uninstall', status: 'succeeded' })
    expect(await clusterA.configMap(ns, 'web-hello')).toBeUndefined()
    expect(await clusterA.releaseSecrets(ns, 'web')).toHaveLength(0)

    const [absent] = await deploy(plan(sha(3), [uninstallStep(t)]), config(repo), helm, signal)
    expect(absent).toMatchObject({
      operation: 'uninstall',
      status: 'unchanged',
      notes: ['already absent']
    })
  })

  it('a failed post-hook is run again by the next run of the same plan', async () => {
    const repo = scratchRepo()
    const ns = namespace()
    const t = target(setupA, ns, 'hooked')
    // Fails until the file `ready` exists: the plan (and its digest) stay the same.
    const flaky = writeFile(repo, 'hooks/flaky.sh', 'echo ran >> flaky.log\ntest -f ready\n')
    const s = spec(localChart('greeter'), {
      hooks: { 'post-install': [flaky], 'post-upgrade': [flaky] }
    })
    const [failed] = await deploy(plan(sha(1), [applyStep(t, s)]), config(repo), helm, signal)
    expect(failed).toMatchObject({ operation: 'install', status: 'failed', revision: 1 })
    const [pending] = await clusterA.releaseSecrets(ns, 'hooked')
    expect(pending?.metadata?.labels?.['gitops-action/finished']).toBeUndefined()

    writeFile(repo, 'ready', '')
    const [retried] = await deploy(plan(sha(1), [applyStep(t, s)]), config(repo), helm, signal)
    // Only the hooks run again, on the same revision: helm is not run.
    expect(retried).toMatchObject({ operation: 'install', status: 'succeeded', revision: 1 })
    expect(retried?.notes).toEqual([
      'post-install hooks of revision 1 failed in an earlier run: running them again (helm is not run)',
      'post-install hooks succeeded on revision 1'
    ])
    const revisions = await clusterA.releaseSecrets(ns, 'hooked')
    expect(revisions).toHaveLength(1)
    expect(revisions[0]?.metadata?.labels?.['gitops-action/finished']).toBe('1')

    const [after] = await deploy(plan(sha(1), [applyStep(t, s)]), config(repo), helm, signal)
    expect(after).toMatchObject({ status: 'unchanged', revision: 1 })
    expect(readFileSync(join(repo, 'flaky.log'), 'utf8').trim().split('\n')).toHaveLength(2)
  })

  it('leaves a release another run left pending-upgrade alone for pending-grace, then recovers it', async () => {
    const repo = scratchRepo()
    const ns = namespace()
    const t = target(setupA, ns, 'stuck')
    const s = spec(localChart(), {
      values: [writeFile(repo, 'values/stuck.yaml', 'message: good\n')]
    })
    await deploy(plan(sha(1), [applyStep(t, s)]), config(repo), helm, signal)

    // A real interrupted run: helm waits for a Deployment that can never be scheduled, and dies.
    const never = writeFile(repo, 'values/never.yaml', 'message: never\n')
    writeFile(
      repo,
      'charts/hello/templates/unschedulable.yaml',
      `{{- if eq .Values.message "never" }}\n${UNSCHEDULABLE_DEPLOYMENT}{{- end }}\n`
    )
    // Interrupted in workflow run 77: its marker names that run.
    const [deployed] = await clusterA.releaseSecrets(ns, 'stuck')
    const labels = Object.entries(deployed?.metadata?.labels ?? {})
      .filter(([key]) => key.startsWith('gitops-action/'))
      .map(([key, value]) => `${key}=${key === 'gitops-action/run' ? '77' : value}`)
    const interrupted = spawn(
      helm.path,
      [
        'upgrade',
        'stuck',
        join(repo, 'charts/hello'),
        '-n',
        ns,
        '-f',
        join(repo, never),
        '--labels',
        labels.join(','),
        '--wait',
        '--timeout',
        '5m'
      ],
      { env: { ...process.env, KUBECONFIG: kubeconfigOf(setupA) }, stdio: 'ignore' }
    )
    await eventually(
      'a pending-upgrade record',
      async () => (await clusterA.releaseStatus(ns, 'stuck')) === 'pending-upgrade'
    )
    interrupted.kill('SIGKILL')
    await new Promise((r) => interrupted.on('close', r))

    const [held] = await deploy(plan(sha(2), [applyStep(t, s)]), config(repo), helm, signal)
    expect(held).toMatchObject({ operation: 'upgrade', status: 'failed', revision: null })
    expect(held?.error).toMatch(
      new RegExp(
        `^${t.plan}: another run is deploying ${ns}/stuck: revision 2 is pending-upgrade since \\S+ by run 77; it is recovered once older than pending-grace \\(600 s\\)$`
      )
    )
    expect(await clusterA.releaseStatus(ns, 'stuck')).toBe('pending-upgrade')

    await new Promise((r) => setTimeout(r, 1_100))
    const [result] = await deploy(
      plan(sha(2), [applyStep(t, s)]),
      config(repo, { pendingGraceMs: 1_000 }),
      helm,
      signal
    )
    expect(result).toMatchObject({
      operation: 'upgrade',
      status: 'succeeded',
      revision: 4,
      error: null
    })
    expect(result?.notes).toEqual([
      'recovered: release was left pending-upgrade at revision 2 more than pending-grace (1 s) ago, rolled back to revision 1'
    ])
    expect(await clusterA.releaseStatus(ns, 'stuck')).toBe('deployed')
    expect((await clusterA.configMap(ns, 'stuck-hello'))?.data?.message).toBe('good')
  })

  it('a failing pre-hook skips helm; a failing post-hook fails the plan after helm ran', async () => {
    const repo = scratchRepo()
    const ns = namespace()
    const fail = writeFile(repo, 'hooks/fail.sh', 'echo "about to fail" >&2\nexit 3\n')
    const pre = target(setupA, ns, 'pre')
    const post = target(setupA, ns, 'post')
    const results = await deploy(
      plan(sha(1), [
        applyStep(pre, spec(localChart('greeter'), { hooks: { 'pre-install': [fail] } })),
        applyStep(post, spec(localChart('greeter'), { hooks: { 'post-install': [fail] } }))
      ]),
      config(repo),
      helm,
      signal
    )
    expect(results[0]).toMatchObject({ status: 'failed', operation: 'install', revision: null })
    expect(results[0]?.error).toBe(
      `${pre.plan}: pre-install hook hooks/fail.sh exited with 3: about to fail; helm install was not run`
    )
    expect(await clusterA.releaseSecrets(ns, 'pre')).toHaveLength(0)
    expect(results[1]).toMatchObject({ status: 'failed', operation: 'install', revision: 1 })
    expect(results[1]?.error).toBe(
      `${post.plan}: post-install hook hooks/fail.sh exited with 3: about to fail`
    )
    expect(await clusterA.configMap(ns, 'post-greeter')).toBeDefined()
  })
})

describe('helm-args on each helm', () => {
  /** The one result of deploying `steps` at commit `n` with these helm-args. */
  const deployWithArgs = async (
    helm: Helm,
    repo: ReturnType<typeof scratchRepo>,
    n: number,
    steps: Parameters<typeof plan>[1],
    helmArgs: string[]
  ) => (await deploy(plan(sha(n), steps), config(repo, { helmArgs }), helm, signal))[0]

  it('Helm 4: --atomic becomes --rollback-on-failure; --force-conflicts rides along with server-side apply', async () => {
    const helm = HELMS[0]?.[1] as Helm
    const repo = scratchRepo()
    const ns = namespace()
    const t = target(setupA, ns, 'flags')
    const args = ['--atomic', '--force-conflicts', '--timeout', '2m']
    const steps = [applyStep(t, spec(localChart('greeter')))]
    for (const [revision, operation] of [
      [1, 'install'],
      [2, 'upgrade']
    ] as const) {
      expect(await deployWithArgs(helm, repo, revision, steps, args)).toMatchObject({
        operation,
        status: 'succeeded',
        revision,
        notes: []
      })
    }
    const clientSide = await deployWithArgs(helm, repo, 3, steps, [...args, '--server-side=false'])
    expect(clientSide).toMatchObject({ status: 'succeeded', revision: 3 })
    expect(clientSide?.notes).toEqual([
      '--force-conflicts not passed: this release uses client-side apply'
    ])
  })

  it('Helm 3: the new names go back to --atomic and --force; --force-conflicts is dropped', async () => {
    const helm = HELMS[1]?.[1] as Helm
    const repo = scratchRepo()
    const ns = namespace()
    const steps = [applyStep(target(setupA, ns, 'flags3'), spec(localChart('greeter')))]
    const args = ['--rollback-on-failure', '--force-conflicts']
    const installed = await deployWithArgs(helm, repo, 1, steps, args)
    expect(installed).toMatchObject({ operation: 'install', status: 'succeeded', revision: 1 })
    expect(installed?.notes).toEqual([
      '--force-conflicts not passed: Helm 3 has no server-side apply'
    ])
    const upgraded = await deployWithArgs(helm, repo, 2, steps, ['--force-replace'])
    expect(upgraded).toMatchObject({ operation: 'upgrade', status: 'succeeded', revision: 2 })
  })
})

describe('hooks and order', () => {
  const helm = HELMS[0]?.[1] as Helm

  it('a hook past hook-timeout is killed with its whole process tree', async () => {
    const repo = scratchRepo()
    const ns = namespace()
    const slow = writeFile(repo, 'hooks/slow.sh', 'sleep 300 &\necho $! > bg.pid\nsleep 300\n')
    const t = target(setupA, ns, 'slow')
    const started = Date.now()
    const [result] = await deploy(
      plan(sha(1), [
        applyStep(t, spec(localChart('greeter'), { hooks: { 'pre-install': [slow] } }))
      ]),
      config(repo, { hookTimeoutMs: 2_000 }),
      helm,
      signal
    )
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(result?.error).toBe(
      `${t.plan}: pre-install hook hooks/slow.sh timed out after 2 s (hook-timeout); its processes were killed; helm install was not run`
    )
    const pid = Number(readFileSync(join(repo, 'bg.pid'), 'utf8'))
    // Killed with its group; give init a moment to reap it.
    await eventually(
      'the background sleep to be gone',
      async () => {
        try {
          process.kill(pid, 0)
          return false
        } catch {
          return true
        }
      },
      5_000
    )
  })

  it('fail-fast skips the plans after the first failure', async () => {
    const repo = scratchRepo()
    const ns = namespace()
    const steps = [
      applyStep(target(setupA, ns, 'a-broken'), spec({ kind: 'local', path: 'charts/missing' })),
      applyStep(target(setupA, ns, 'b-fine'), spec(localChart('greeter')))
    ]
    const results = await deploy(
      plan(sha(1), steps),
      // One plan at a time: fail-fast stops plans that have not started.
      config(repo, { failFast: true, parallelPlans: 1 }),
      helm,
      signal
    )
    expect(results.map((r) => r.status)).toEqual(['failed', 'skipped'])
    expect(results[0]?.error).toMatch(
      /^local\/a\/apply-\S+\/a-broken\.yaml: helm install failed: .*charts\/missing/
    )
    expect(results[1]?.notes).toEqual([`not run: fail-fast after ${steps[0]?.target.plan} failed`])
    const without = await deploy(plan(sha(1), steps), config(repo), helm, signal)
    expect(without.map((r) => r.status)).toEqual(['failed', 'succeeded'])
  })

  it('cancellation stops the running hook at once and skips the rest', async () => {
    const repo = scratchRepo()
    const ns = namespace()
    const slow = writeFile(repo, 'hooks/slow.sh', 'sleep 300\n')
    const controller = new AbortController()
    const steps = [
      applyStep(
        target(setupA, ns, 'a-slow'),
        spec(localChart('greeter'), { hooks: { 'pre-install': [slow] } })
      ),
      applyStep(target(setupA, ns, 'b-next'), spec(localChart('greeter')))
    ]
    setTimeout(() => controller.abort(), 1_500)
    const started = Date.now()
    const results = await deploy(
      plan(sha(1), steps),
      config(repo, { parallelPlans: 1 }),
      helm,
      controller.signal
    )
    expect(Date.now() - started).toBeLessThan(6_000)
    expect(results.map((r) => r.status)).toEqual(['failed', 'skipped'])
    expect(results[0]?.error).toMatch(
      /pre-install hook hooks\/slow\.sh stopped: the run was cancelled/
    )
    expect(results[1]?.notes).toEqual(['not run: the run was cancelled'])
  })
})
