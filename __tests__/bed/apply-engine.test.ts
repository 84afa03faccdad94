// The engine on a real cluster: one setup with 8 plans, two of which need a third.
// Independent plans overlap in time, dependents start after what they need, a failed
// need skips its dependents, and a re-run of the same commit runs no helm install or
// upgrade. helm is wrapped by a script that logs every call, so processes are counted.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Helm } from '../../src/apply/helm.ts'
import type { PlannedStep } from '../../src/types/plan.ts'
import { Cluster, clusters } from '../support/testbed.ts'
import {
  HELMS,
  applyStep,
  bed,
  config,
  deploy,
  localChart,
  plan,
  scratchRepo,
  sha,
  spec,
  target,
  uniqueName,
  uninstallStep,
  writeFile
} from './apply-fixtures.ts'

const [setupA] = bed.setups as [string]
const namespaces: string[] = []
let clusterA: Cluster
const signal = new AbortController().signal

beforeAll(() => {
  process.env.RUNNER_TEMP = mkdtempSync(join(tmpdir(), 'runner-temp-'))
  clusterA = clusters()[0] as Cluster
})
afterAll(async () => {
  for (const ns of namespaces) await clusterA.deleteNamespace(ns)
})

/** helm behind a script that appends each call's arguments to a log. */
function countedHelm(helm: Helm): { helm: Helm; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'helm-wrapper-'))
  const log = join(dir, 'calls.log')
  const path = join(dir, 'helm')
  writeFileSync(path, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${helm.path}' "$@"\n`, {
    mode: 0o755
  })
  return {
    helm: { ...helm, path },
    calls: () => {
      try {
        return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean)
      } catch {
        return []
      }
    }
  }
}

/** helm behind a script that logs when each `helm uninstall <release>` starts and ends (ns). */
function uninstallTimes(helm: Helm): {
  helm: Helm
  spans: () => Map<string, { start: number; end: number }>
} {
  const dir = mkdtempSync(join(tmpdir(), 'helm-wrapper-'))
  const log = join(dir, 'times.log')
  const path = join(dir, 'helm')
  writeFileSync(
    path,
    `#!/bin/sh\n[ "$1" = uninstall ] && echo "start $2 $(date +%s%N)" >> '${log}'\n'${helm.path}' "$@"\nrc=$?\n[ "$1" = uninstall ] && echo "end $2 $(date +%s%N)" >> '${log}'\nexit $rc\n`,
    { mode: 0o755 }
  )
  return { helm: { ...helm, path }, spans: () => spansOf(log) }
}

/** Pre- and post-install hooks that write when each plan started and ended (ns since epoch). */
function timingHooks(repo: string) {
  const line = (what: string) =>
    writeFile(
      repo,
      `hooks/${what}.sh`,
      `echo "${what} $GITOPS_RELEASE $(date +%s%N)" >> times.log\n${what === 'start' ? 'sleep 1\n' : ''}`
    )
  return { 'pre-install': [line('start')], 'post-install': [line('end')] }
}

function times(repo: string): Map<string, { start: number; end: number }> {
  return spansOf(join(repo, 'times.log'))
}

/** Lines of `start|end <release> <ns since epoch>` as each release's span in ms. */
function spansOf(log: string): Map<string, { start: number; end: number }> {
  const spans = new Map<string, { start: number; end: number }>()
  for (const l of readFileSync(log, 'utf8').trim().split('\n')) {
    const [what, release, ns] = l.split(' ') as [string, string, string]
    const span = spans.get(release) ?? { start: 0, end: 0 }
    span[what as 'start' | 'end'] = Number(BigInt(ns) / 1_000_000n)
    spans.set(release, span)
  }
  return spans
}

const INDEPENDENT = ['w1', 'w2', 'w3', 'w4', 'w5']

function eightPlans(repo: string, ns: string, dbHooks = timingHooks(repo)): PlannedStep[] {
  const hooks = timingHooks(repo)
  return [
    applyStep(target(setupA, ns, 'db'), spec(localChart('greeter'), { hooks: dbHooks })),
    ...['app1', 'app2'].map((name) =>
      applyStep(
        target(setupA, ns, name),
        spec(localChart('greeter'), { hooks, needs: [`${ns}/db`] })
      )
    ),
    ...INDEPENDENT.map((name) =>
      applyStep(target(setupA, ns, name), spec(localChart('greeter'), { hooks }))
    )
  ]
}

describe('one setup, 8 plans, parallel-plans 4, needs', () => {
  const helm4 = HELMS[0]?.[1] as Helm

  it('overlaps the independent plans, orders the dependent ones, and a re-run changes nothing', async () => {
    const repo = scratchRepo()
    const ns = uniqueName('engine')
    namespaces.push(ns)
    const { helm, calls } = countedHelm(helm4)
    const steps = eightPlans(repo, ns)

    const started = Date.now()
    const first = await deploy(plan(sha(1), steps), config(repo), helm, signal)
    const elapsed = Date.now() - started
    expect(first.map((r) => [r.release, r.operation, r.status])).toEqual(
      steps.map((s) => [s.target.release, 'install', 'succeeded'])
    )
    const spans = times(repo)
    // Every dependent started after what it needs ended.
    for (const app of ['app1', 'app2'])
      expect(spans.get(app)?.start).toBeGreaterThan(spans.get('db')?.end ?? Infinity)
    // Independent plans ran at the same time: some pair overlaps.
    const independent = ['db', ...INDEPENDENT].map(
      (r) => spans.get(r) as { start: number; end: number }
    )
    const overlaps = independent.flatMap((a, i) =>
      independent.slice(i + 1).filter((b) => a.start < b.end && b.start < a.end)
    )
    expect(overlaps.length).toBeGreaterThan(0)
    // One helm process a plan: the release state came from one list of Secrets.
    const installs = calls().filter((c) => c.startsWith('install '))
    expect(installs).toHaveLength(8)
    expect(calls()).toHaveLength(8)
    for (const r of first) expect(await clusterA.releaseStatus(ns, r.release)).toBe('deployed')
    const [db] = await clusterA.releaseSecrets(ns, 'db')
    expect(db?.metadata?.labels).toMatchObject({
      'gitops-action/managed': 'true',
      'gitops-action/commit': sha(1),
      'gitops-action/finished': '1',
      'gitops-action/run': '1'
    })
    console.log(
      `8 plans, 1 s hooks each, parallel-plans 4: ${elapsed} ms; helm calls: ${calls().length}`
    )

    const before = calls().length
    const rerun = await deploy(plan(sha(1), steps), config(repo), helm, signal)
    expect(rerun.map((r) => [r.release, r.operation, r.status, r.revision])).toEqual(
      steps.map((s) => [s.target.release, 'upgrade', 'unchanged', 1])
    )
    expect(calls().slice(before)).toEqual([])
    for (const r of first) expect(await clusterA.releaseSecrets(ns, r.release)).toHaveLength(1)
  })

  it('a failed needed plan skips its dependents with the reason; the others go on', async () => {
    const repo = scratchRepo()
    const ns = uniqueName('engine')
    namespaces.push(ns)
    const fail = writeFile(repo, 'hooks/fail.sh', 'echo "db is not ready" >&2\nexit 1\n')
    const steps = eightPlans(repo, ns, { 'pre-install': [fail], 'post-install': [] })
    const results = await deploy(plan(sha(1), steps), config(repo), helm4, signal)
    const by = new Map(results.map((r) => [r.release, r]))
    expect(by.get('db')).toMatchObject({ status: 'failed', operation: 'install' })
    for (const app of ['app1', 'app2']) {
      expect(by.get(app)).toMatchObject({ status: 'skipped', operation: null, error: null })
      expect(by.get(app)?.notes).toEqual([`not run: it needs ${ns}/db, which did not succeed`])
      expect(await clusterA.releaseSecrets(ns, app)).toHaveLength(0)
    }
    for (const w of INDEPENDENT) expect(by.get(w)?.status).toBe('succeeded')
  })

  it('uninstalls removed releases in reverse order of the needs they had', async () => {
    const repo = scratchRepo()
    const ns = uniqueName('engine')
    namespaces.push(ns)
    const chart = spec(localChart('greeter'))
    const releases = ['db', 'api', 'web']
    const installed = await deploy(
      plan(
        sha(1),
        releases.map((r) => applyStep(target(setupA, ns, r), chart))
      ),
      config(repo),
      helm4,
      signal
    )
    expect(installed.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded'])

    const { helm, spans } = uninstallTimes(helm4)
    const removed = [
      uninstallStep(target(setupA, ns, 'db')),
      uninstallStep(target(setupA, ns, 'api'), [`${ns}/db`]),
      uninstallStep(target(setupA, ns, 'web'))
    ]
    const results = await deploy(plan(sha(2), removed), config(repo), helm, signal)
    expect(results.map((r) => [r.release, r.operation, r.status])).toEqual([
      ['db', 'uninstall', 'succeeded'],
      ['api', 'uninstall', 'succeeded'],
      ['web', 'uninstall', 'succeeded']
    ])
    const span = spans()
    expect(span.get('db')?.start).toBeGreaterThan(span.get('api')?.end ?? Infinity)
    for (const r of releases) expect(await clusterA.releaseSecrets(ns, r)).toHaveLength(0)
  })
})
