// Hardening of inputs, plans and events: what a careless or hostile ops repository,
// workflow or earlier step can do, and what the action does instead. Each case ran
// against the action before its fix and failed there.
import { closeSync, cpSync, ftruncateSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import type { ActionRun } from '../support/action-runner.ts'
import { dispatchPayload } from '../support/events.ts'
import { ociRegistryUrl } from '../support/testbed.ts'
import { act, bed, clusterA, faultCase, secret, SETUP_A } from './action.ts'
import { faultSuite, HELLO_CHART, opsRepo, planYaml, valuesYaml } from './ops.ts'
import {
  expectFailed,
  expectSucceeded,
  history,
  message,
  resultOf,
  stepErrors
} from './outcomes.ts'

const { ns, onePlan } = faultSuite()

/** A run refused as a whole: exit 1, one step error, still `results`, `failed` and a summary. */
function refusedRun(run: ActionRun, error: string | RegExp): void {
  expect(run.code).toBe(1)
  const errors = stepErrors(run)
  expect(errors).toHaveLength(1)
  if (typeof error === 'string') expect(errors[0]).toBe(error)
  else expect(errors[0]).toMatch(error)
  expect(run.outputs).toMatchObject({ results: '[]', failed: '1', setups: '[]' })
  expect(run.summary).toContain('## gitops-action: the run failed before any plan ran')
}

describe('hardening', () => {
  faultCase(
    'a plan folder deleted with its values file and hook script at plan depth',
    'only the plan is uninstalled; the values file and the hook (`values.yaml`, `prepare`) were never plans and get no result, no uninstall',
    async () => {
      const space = ns('folder')
      const ops = await opsRepo()
      const dir = `${SETUP_A}/${space}`
      const plan = `${dir}/app.yaml`
      const installed = await ops.commit({
        [plan]: planYaml({
          values: `${dir}/values.yaml`,
          hooks: { 'pre-install': [`${dir}/prepare`] }
        }),
        [`${dir}/values.yaml`]: valuesYaml('folder'),
        [`${dir}/prepare`]: 'echo prepared\n'
      })
      const first = await act(ops.repo.dir, { push: { before: ops.base, after: installed } })
      expectSucceeded(first, plan, 'install', 1)
      const removed = await ops.commit({}, [dir])
      const run = await act(ops.repo.dir, { push: { before: installed, after: removed } })
      expect(run.results.map((r) => `${r.plan} ${r.operation} ${r.status}`)).toEqual([
        `${plan} uninstall succeeded`
      ])
      expect(run.code).toBe(0)
      expect(await history(clusterA, space, 'app')).toEqual([])
    }
  )

  faultCase(
    'oci:// aliases (helm-repositories with credentials, .gitops/repositories.yaml without) on a registry that needs a login',
    'all three plans install (alias with credentials, alias from the file, and a plain oci:// chart on the same registry): one `helm registry login --password-stdin`; the registry password shows nowhere',
    async () => {
      expect(bed.ociUser, 'the bed registry has no htpasswd auth: restart the bed').not.toBe('')
      const space = ns('oci')
      const ops = await opsRepo()
      const plans = {
        input: `${SETUP_A}/${space}/viainput.yaml`,
        file: `${SETUP_A}/${space}/viafile.yaml`,
        direct: `${SETUP_A}/${space}/direct.yaml`
      }
      const head = await ops.commit({
        '.gitops/repositories.yaml': `repositories:\n  - name: fileoci\n    url: oci://${bed.oci}/charts\n`,
        [plans.input]: planYaml({
          chart: 'regoci/hello',
          version: '0.2.0',
          values: 'values/v.yaml'
        }),
        [plans.file]: planYaml({
          chart: 'fileoci/hello',
          version: '0.1.0',
          values: 'values/v.yaml'
        }),
        [plans.direct]: planYaml({
          chart: `oci://${bed.oci}/charts/hello`,
          version: '0.2.0',
          values: 'values/v.yaml'
        }),
        'values/v.yaml': valuesYaml('from oci')
      })
      const run = await act(
        ops.repo.dir,
        { push: { before: ops.base, after: head } },
        { inputs: { 'helm-repositories': `bed ${bed.chartRepo}\nregoci ${ociRegistryUrl(bed)}` } }
      )
      for (const plan of Object.values(plans)) expectSucceeded(run, plan, 'install', 1)
      expect(run.code).toBe(0)
      for (const release of ['viainput', 'viafile', 'direct'])
        expect(await message(clusterA, space, release)).toBe('from oci')
      expect((await clusterA.configMap(space, 'viafile-hello'))?.data?.chartVersion).toBe('0.1.0')
    }
  )

  faultCase(
    'a chart URL with credentials in a plan file',
    'the plan fails at line 1: "\'chart\' holds credentials, which must not be committed ..."; the password shows nowhere (log, summary, results)',
    async () => {
      const space = ns('chartcred')
      const ops = await opsRepo()
      const plan = `${SETUP_A}/${space}/app.yaml`
      const password = secret('plan-url-pa55word')
      const head = await ops.commit({
        [plan]: planYaml({ chart: `https://user:${password}@127.0.0.1:1/hello-0.1.0.tgz` })
      })
      const run = await act(ops.repo.dir, { push: { before: ops.base, after: head } })
      expectFailed(
        run,
        plan,
        `${plan}: line 1: 'chart' holds credentials, which must not be committed: define an alias with them in the helm-repositories input from a secret, and write alias/name`,
        { line: 1 }
      )
      expect(resultOf(run, plan).chart).toBe('')
    }
  )

  faultCase(
    'a local chart with a symlink to /proc/self/environ',
    'the plan fails at its chart line ("holds a symlink ... that leads outside the repository"); no release, so no runner environment in the cluster',
    async () => {
      const space = ns('chartlink')
      const ops = await opsRepo()
      cpSync(HELLO_CHART, join(ops.repo.dir, 'charts', 'leaky'), { recursive: true })
      await ops.repo.write({
        'charts/leaky/templates/leak.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-leak\ndata:\n  env: {{ .Files.Get "environ" | quote }}\n'
      })
      await ops.repo.link('charts/leaky/environ', '/proc/self/environ')
      const plan = `${SETUP_A}/${space}/app.yaml`
      const head = await ops.commit({ [plan]: planYaml({ chart: './charts/leaky' }) })
      const run = await act(ops.repo.dir, { push: { before: ops.base, after: head } })
      expectFailed(
        run,
        plan,
        `${plan}: line 1: local chart './charts/leaky' holds a symlink 'charts/leaky/environ' that leads outside the repository, which helm would follow; remove it or point it inside the repository`,
        { line: 1 }
      )
      expect(await clusterA.configMap(space, 'app-leak')).toBeUndefined()
    }
  )

  faultCase(
    'a values file name with %',
    'the plan fails at the values line ("has a \'%\' in its path, which helm reads as a URL escape ...; rename the file")',
    async () => {
      const space = ns('percent')
      const ops = await opsRepo()
      const plan = `${SETUP_A}/${space}/app.yaml`
      const head = await ops.commit({
        'values/50%zz.yaml': valuesYaml('percent'),
        [plan]: planYaml({ values: 'values/50%zz.yaml' })
      })
      const run = await act(ops.repo.dir, { push: { before: ops.base, after: head } })
      expectFailed(
        run,
        plan,
        `${plan}: line 3: values file 'values/50%zz.yaml' has a '%' in its path, which helm reads as a URL escape and cannot open; rename the file`,
        { line: 3 }
      )
    }
  )

  faultCase(
    'workflow_dispatch on a branch other than the default one',
    'step error "A workflow_dispatch on branch \'feature\' does not deploy ..."; nothing deployed; with dispatch-branches: feature the same run installs',
    async () => {
      const c = await onePlan('dispatch')
      const trigger = {
        raw: {
          eventName: 'workflow_dispatch',
          payload: dispatchPayload('refs/heads/feature'),
          sha: c.head,
          ref: 'refs/heads/feature'
        }
      }
      const refused = await act(c.ops.repo.dir, trigger)
      refusedRun(
        refused,
        "A workflow_dispatch on branch 'feature' does not deploy: only the default branch 'main' does, and branches matched by the dispatch-branches input. Run it on the default branch, add the branch to dispatch-branches, or set dry-run: true to only render."
      )
      expect(await history(clusterA, c.ns, 'app')).toEqual([])
      const allowed = await act(c.ops.repo.dir, trigger, {
        inputs: { 'dispatch-branches': 'feature' }
      })
      expectSucceeded(allowed, c.plan, 'install', 1)
    }
  )

  faultCase(
    'untracked files at plan depth (a node_modules-like plan, a 600 MB sparse file)',
    'only the committed plan is deployed; the untracked files are no plans (no result, no release, no crash)',
    async () => {
      const c = await onePlan('untracked')
      const dir = join(c.ops.repo.dir, SETUP_A, c.ns)
      await c.ops.repo.write({ [`${SETUP_A}/${c.ns}/stray.yaml`]: planYaml() })
      const fd = openSync(join(dir, 'huge.yaml'), 'w')
      ftruncateSync(fd, 600 * 1024 * 1024)
      closeSync(fd)
      const run = await act(c.ops.repo.dir, c.trigger)
      expect(run.results.map((r) => r.plan)).toEqual([c.plan])
      expectSucceeded(run, c.plan, 'install', 1)
      expect(await history(clusterA, c.ns, 'stray')).toEqual([])
    }
  )

  faultCase(
    'a checkout at another commit than the event names',
    'step error "The checkout is at commit <head>, not at the event\'s commit <sha> ..."; nothing deployed',
    async () => {
      const c = await onePlan('headsha')
      const later = await c.ops.commit({ 'README.md': '# later\n' })
      const run = await act(c.ops.repo.dir, c.trigger)
      refusedRun(
        run,
        `The checkout is at commit ${later}, not at the event's commit ${c.head}: check out ${c.head} before this action (actions/checkout without a ref does), so that what is deployed is the commit the event names.`
      )
      expect(await history(clusterA, c.ns, 'app')).toEqual([])
    }
  )

  faultCase(
    'hook-timeout above what a timer can hold (2147484 s)',
    'step error "input \'hook-timeout\' must be a whole number from 1 to 2147483 ..." before anything runs; no hook fails at once',
    async () => {
      const c = await onePlan('timeout')
      const run = await act(c.ops.repo.dir, c.trigger, { inputs: { 'hook-timeout': '2147484' } })
      refusedRun(
        run,
        "input 'hook-timeout' must be a whole number from 1 to 2147483 (seconds; about 24 days is the longest a timer can wait) (got '2147484')."
      )
      expect(await history(clusterA, c.ns, 'app')).toEqual([])
    }
  )

  faultCase(
    'a store URL with a query string (a signed URL)',
    'the setup path goes before the query, the kubeconfig is fetched and the plan installs; the query value shows nowhere',
    async () => {
      const c = await onePlan('query')
      const token = secret('sig-0123456789abcdef')
      const run = await act(c.ops.repo.dir, c.trigger, {
        inputs: { 'kubeconfig-store-url': `${bed.storeUrl}?sig=${token}` }
      })
      expectSucceeded(run, c.plan, 'install', 1)
      expect(await message(clusterA, c.ns, 'app')).toBe('query')
    }
  )

  faultCase(
    'a malformed .gitops/repositories.yaml (a run-level failure)',
    'step error naming the file and line; the outputs still say results [], failed 1, setups [], and the job summary says the run failed',
    async () => {
      const c = await onePlan('runfail')
      const head = await c.ops.commit({ '.gitops/repositories.yaml': 'repositories: [\n' })
      const run = await act(c.ops.repo.dir, { push: { before: c.ops.base, after: head } })
      refusedRun(run, /^\.gitops\/repositories\.yaml line 2: invalid YAML: /)
    }
  )
})
