// Per-plan release options on the bed, through the built action: bad values are
// errors with their line, `atomic` limited to one setup by the defaults, a chart
// test that fails and rolls back, a local chart with a dependency from the bed's
// chart repository and one with its dependencies vendored, `suspend` and `keep`, uninstall hooks in order, and a failed
// post-install hook run again (and only it) by the next run. State is read back
// from the API servers.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect } from 'vitest'
import { tempDir } from '../support/git-repo.ts'
import { closedPort } from '../support/fault-servers.ts'
import { act, bed, clusterA, clusterB, faultCase, SETUP_A, SETUP_B } from './action.ts'
import { faultSuite, opsRepo, planYaml } from './ops.ts'
import {
  expectFailed,
  expectSucceeded,
  expectUnchanged,
  history,
  message,
  resultOf
} from './outcomes.ts'

const { ns } = faultSuite()

/** The sample chart without its Deployment: fast, and its ConfigMap tells the values. */
const quiet = (extra = ''): string =>
  `${planYaml()}set:\n  deployment.enabled: false\n  message: ${JSON.stringify(extra || 'hello')}\n`

/** A chart whose Deployment can be made never ready: its pod asks for a node that does not exist. */
const STUCK_CHART = {
  'charts/stuck/Chart.yaml': 'apiVersion: v2\nname: stuck\nversion: 0.1.0\n',
  'charts/stuck/values.yaml': 'stuck: false\n',
  'charts/stuck/templates/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ .Release.Name }}-stuck',
    'spec:',
    '  replicas: 1',
    '  selector: { matchLabels: { app: {{ .Release.Name }}-stuck } }',
    '  template:',
    '    metadata: { labels: { app: {{ .Release.Name }}-stuck } }',
    '    spec:',
    '      {{- if .Values.stuck }}',
    '      nodeSelector: { gitops-action/nowhere: "true" }',
    '      {{- end }}',
    '      containers: [{ name: c, image: registry.k8s.io/pause:3.10 }]',
    ''
  ].join('\n')
}

/**
 * A chart with a test pod that can never finish (it asks for a node that does not exist).
 * Its value is `count`, not `n`: Kubernetes reads manifests as YAML 1.1, where `n` is false.
 */
const TESTED_CHART = {
  'charts/tested/Chart.yaml': 'apiVersion: v2\nname: tested\nversion: 0.1.0\n',
  'charts/tested/templates/configmap.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: "{{ .Release.Name }}-tested" }\ndata: { count: {{ .Values.count | default "0" | quote }} }\n',
  'charts/tested/templates/test.yaml': [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: {{ .Release.Name }}-test',
    '  annotations: { helm.sh/hook: test }',
    'spec:',
    '  restartPolicy: Never',
    '  nodeSelector: { gitops-action/nowhere: "true" }',
    '  containers: [{ name: t, image: registry.k8s.io/pause:3.10 }]',
    ''
  ].join('\n')
}

describe('release options', () => {
  faultCase(
    'bad option values',
    'each plan fails with the line of its bad key; nothing reaches the cluster; the good plan deploys',
    async () => {
      const space = ns('badopts')
      const p = (name: string): string => `${SETUP_A}/${space}/${name}.yaml`
      const ops = await opsRepo()
      const head = await ops.commit({
        [p('good')]: `${quiet()}wait: true\ntimeout: 1m\n`,
        [p('wait')]: `${planYaml()}wait: yes\n`,
        [p('timeout')]: `${planYaml()}timeout: 300\n`,
        [p('set')]: `${planYaml()}set: [a=b]\n`,
        [p('test')]: `${planYaml()}test:\n  enable: true\n  retries: 3\n`,
        [p('keep')]: `${planYaml()}\nkeep: 1\n`
      })
      const run = await ops.push(head)
      expectSucceeded(run, p('good'), 'install', 1)
      const cases: [string, number, string][] = [
        ['wait', 2, "line 2: 'wait' must be true or false"],
        [
          'timeout',
          2,
          "line 2: 'timeout' must be a duration such as 90s, 5m or 1h30m (a number with a unit: ns, us, ms, s, m, h), not '300'"
        ],
        [
          'set',
          2,
          "line 2: 'set' must be a mapping of value paths to values, e.g. image.tag: v1.2.0"
        ],
        [
          'test',
          4,
          "line 4: unknown key 'retries' in 'test'; allowed keys: enable, timeout, rollbackOnFailure"
        ],
        ['keep', 3, "line 3: 'keep' must be true or false"]
      ]
      for (const [name, line, error] of cases) {
        expectFailed(run, p(name), `${p(name)}: ${error}`, { line, operation: null })
        expect(await clusterA.releaseSecrets(space, name)).toEqual([])
      }
    }
  )

  faultCase(
    'atomic limited to one setup by .gitops/defaults.yaml',
    'a Deployment that never becomes ready: rolled back in local/a (atomic), left failed in local/b',
    async () => {
      const space = ns('atomic')
      const plan = `wait: true\ntimeout: 15s\nchart: ./charts/stuck\n`
      const ops = await opsRepo()
      const first = await ops.commit({
        ...STUCK_CHART,
        '.gitops/defaults.yaml': `setups:\n  ${SETUP_A}:\n    atomic: true\n`,
        [`${SETUP_A}/${space}/web.yaml`]: plan,
        [`${SETUP_B}/${space}/web.yaml`]: plan
      })
      const installed = await ops.push(first)
      expectSucceeded(installed, `${SETUP_A}/${space}/web.yaml`, 'install', 1)
      expectSucceeded(installed, `${SETUP_B}/${space}/web.yaml`, 'install', 1)
      expect(resultOf(installed, `${SETUP_A}/${space}/web.yaml`).notes).toContain(
        'release options: atomic on, wait on, timeout 15s'
      )
      const stuck = await ops.commit({
        [`${SETUP_A}/${space}/web.yaml`]: `${plan}set:\n  stuck: true\n`,
        [`${SETUP_B}/${space}/web.yaml`]: `${plan}set:\n  stuck: true\n`
      })
      const run = await act(ops.repo.dir, { push: { before: first, after: stuck } })
      expectFailed(run, `${SETUP_A}/${space}/web.yaml`, /rollback|rolled back/i, {
        operation: 'upgrade'
      })
      // Helm 4 names the resource that was not ready in time (Helm 3: a timeout).
      const left = expectFailed(
        run,
        `${SETUP_B}/${space}/web.yaml`,
        /UPGRADE FAILED: resource Deployment\/\S+\/web-stuck not ready|timed out/,
        { operation: 'upgrade' }
      )
      expect(left.error).not.toMatch(/roll/i)
      expect(await history(clusterA, space, 'web')).toEqual([
        '1:superseded',
        '2:failed',
        '3:deployed'
      ])
      expect(await history(clusterB, space, 'web')).toEqual(['1:deployed', '2:failed'])
    },
    240_000
  )

  faultCase(
    'a chart test that fails, with rollbackOnFailure',
    'helm test fails the plan, the release is rolled back to revision 1, both in the notes',
    async () => {
      const space = ns('test')
      const p = `${SETUP_A}/${space}/tested.yaml`
      const ops = await opsRepo()
      const first = await ops.commit({
        ...TESTED_CHART,
        [p]: 'chart: ./charts/tested\nset: { count: "1" }\n'
      })
      expectSucceeded(await ops.push(first), p, 'install', 1)
      expect((await clusterA.configMap(space, 'tested-tested'))?.data?.count).toBe('1')
      const tested = await ops.commit({
        [p]: 'chart: ./charts/tested\nset: { count: "2" }\ntest: { enable: true, timeout: 10s, rollbackOnFailure: true }\n'
      })
      const run = await act(ops.repo.dir, { push: { before: first, after: tested } })
      const result = expectFailed(run, p, /helm test failed: .*; rolled back to revision 1$/s, {
        operation: 'upgrade'
      })
      expect(result.notes).toContain('rolled back to revision 1 after the failed test')
      expect(run.log).toContain('helm test')
      expect(await history(clusterA, space, 'tested')).toEqual([
        '1:superseded',
        '2:superseded',
        '3:deployed'
      ])
      expect((await clusterA.configMap(space, 'tested-tested'))?.data?.count).toBe('1')
    },
    180_000
  )

  faultCase(
    'a local chart with a dependency from the chart repository',
    'helm dependency build from the alias: the subchart is deployed; a version the repository lacks fails on the chart line',
    async () => {
      const space = ns('deps')
      const p = (name: string): string => `${SETUP_A}/${space}/${name}.yaml`
      const deps = (version: string): string =>
        `apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n  - name: hello\n    version: "${version}"\n    repository: "@bed"\n`
      const ops = await opsRepo()
      const head = await ops.commit({
        'charts/umbrella/Chart.yaml': deps('0.2.0'),
        'charts/missing/Chart.yaml': deps('9.9.9'),
        [p('umbrella')]:
          'chart: ./charts/umbrella\nset:\n  hello.deployment.enabled: false\n  hello.message: from-dependency\n',
        [p('missing')]: 'chart: ./charts/missing\n'
      })
      const run = await ops.push(head)
      expectSucceeded(run, p('umbrella'), 'install', 1)
      expect(await message(clusterA, space, 'umbrella')).toBe('from-dependency')
      expectFailed(
        run,
        p('missing'),
        /dependencies of local chart charts\/missing could not be built/,
        {
          line: 1,
          operation: 'install'
        }
      )
      expect(await clusterA.releaseSecrets(space, 'missing')).toEqual([])
    },
    180_000
  )

  // No `helm repo add`, no `dependency build`: the repository is a closed port, as for an air-gapped runner.
  for (const [helm, helmBin] of [
    ['Helm 4', bed.helm4],
    ['Helm 3', bed.helm3]
  ] as const) {
    faultCase(
      `${helm}: a local chart whose dependencies are vendored in its charts/ (a folder and an archive), from a repository no one can reach`,
      'deployed as bare helm would, with no network; a dependency missing from charts/, or there but not in the commit (its own .gitignore leaves charts/ out), fails the plan with an error naming it',
      async () => {
        const space = ns('vendored')
        const p = (name: string): string => `${SETUP_A}/${space}/${name}.yaml`
        const unreachable = `http://127.0.0.1:${await closedPort()}/charts`
        const umbrella = (name: string): string =>
          [
            `apiVersion: v2\nname: ${name}\nversion: 1.0.0\ndependencies:`,
            `  - name: folder\n    version: 0.1.0\n    repository: ${unreachable}`,
            `  - name: archive\n    version: "~0.1.0"\n    repository: ${unreachable}`,
            `  - name: disabled\n    version: 0.1.0\n    repository: ${unreachable}\n    condition: disabled.enabled\n`
          ].join('\n')
        const subchart = (name: string): Record<string, string> => ({
          [`${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`,
          [`${name}/templates/cm.yaml`]: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-${name}\ndata:\n  message: from ${name}\n`
        })
        const prefixed = (prefix: string, files: Record<string, string>) =>
          Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}/${k}`, v]))
        const ops = await opsRepo()
        // The archive as `helm package` writes it, committed beside the folders.
        const sources = await tempDir()
        for (const [file, text] of Object.entries(subchart('archive'))) {
          mkdirSync(dirname(join(sources, file)), { recursive: true })
          writeFileSync(join(sources, file), text)
        }
        const vendored = join(ops.repo.dir, 'charts/airgap/charts')
        mkdirSync(vendored, { recursive: true })
        const packaged = spawnSync(helmBin, ['package', join(sources, 'archive'), '-d', vendored], {
          encoding: 'utf8'
        })
        expect(packaged.status, packaged.stderr).toBe(0)
        const head = await ops.commit({
          'charts/airgap/Chart.yaml': umbrella('airgap'),
          ...prefixed('charts/airgap/charts', { ...subchart('folder'), ...subchart('disabled') }),
          'charts/gap/Chart.yaml': umbrella('gap'),
          ...prefixed('charts/gap/charts', subchart('folder')),
          // As kube-prometheus-stack's: in the work tree, never committed.
          'charts/hidden/.gitignore': 'charts/*\n',
          'charts/hidden/Chart.yaml': umbrella('hidden'),
          ...prefixed('charts/hidden/charts', { ...subchart('folder'), ...subchart('disabled') }),
          'charts/hidden/charts/archive/Chart.yaml':
            'apiVersion: v2\nname: archive\nversion: 0.1.0\n',
          [p('airgap')]: 'chart: ./charts/airgap\n',
          [p('gap')]: 'chart: ./charts/gap\n',
          [p('hidden')]: 'chart: ./charts/hidden\n'
        })
        const run = await ops.push(head, {
          env: { PATH: `${dirname(helmBin)}:${process.env.PATH ?? ''}` }
        })
        expectSucceeded(run, p('airgap'), 'install', 1)
        expect((await clusterA.configMap(space, 'airgap-folder'))?.data?.message).toBe(
          'from folder'
        )
        expect((await clusterA.configMap(space, 'airgap-archive'))?.data?.message).toBe(
          'from archive'
        )
        expect(run.log).not.toMatch(/helm repo add|dependency build .*airgap/)
        expectFailed(
          run,
          p('gap'),
          /dependencies of local chart charts\/gap could not be built: archive ~0\.1\.0, disabled 0\.1\.0 are not in its charts\/ folder; helm dependency build: /,
          { line: 1, operation: 'install' }
        )
        expect(await clusterA.releaseSecrets(space, 'gap')).toEqual([])
        expectFailed(
          run,
          p('hidden'),
          /dependencies of local chart charts\/hidden could not be built: folder 0\.1\.0, archive ~0\.1\.0, disabled 0\.1\.0 are not in its charts\/ folder; helm dependency build: /,
          { line: 1, operation: 'install' }
        )
        expect(await clusterA.releaseSecrets(space, 'hidden')).toEqual([])
      },
      180_000
    )
  }

  faultCase(
    'suspend and keep',
    'a suspended plan is skipped and its release untouched; removed files with suspend or keep leave their releases in the cluster',
    async () => {
      const space = ns('keep')
      const p = (name: string): string => `${SETUP_A}/${space}/${name}.yaml`
      const ops = await opsRepo()
      const first = await ops.commit({
        [p('paused')]: quiet('v1'),
        [p('kept')]: `${quiet('v1')}keep: true\n`
      })
      await ops.push(first)
      const suspended = await ops.commit({ [p('paused')]: `${quiet('v2')}suspend: true\n` })
      const paused = await act(ops.repo.dir, { push: { before: first, after: suspended } })
      expect(resultOf(paused, p('paused'))).toMatchObject({
        status: 'skipped',
        operation: null,
        notes: [`suspended: release ${space}/paused is left as it is (suspend: true)`]
      })
      expect(await message(clusterA, space, 'paused')).toBe('v1')
      const removed = await ops.commit({}, [p('paused'), p('kept')])
      const run = await act(ops.repo.dir, { push: { before: suspended, after: removed } })
      expect(resultOf(run, p('paused'))).toMatchObject({ status: 'skipped', operation: null })
      expect(resultOf(run, p('kept'))).toMatchObject({
        status: 'skipped',
        operation: null,
        notes: [expect.stringMatching(/^orphaned: the plan was removed with keep: true/)]
      })
      expect(run.code).toBe(0)
      expect(run.summary).toContain('orphaned')
      expect(await clusterA.releaseStatus(space, 'paused')).toBe('deployed')
      expect(await clusterA.releaseStatus(space, 'kept')).toBe('deployed')
    },
    180_000
  )

  faultCase(
    'identical removed plans',
    'two removed plan files with the same text, one a cluster, both asked for keep: true and a pre-uninstall hook whose script is the same text under two names: both releases stay, both hooks are read',
    async () => {
      const space = ns('twins')
      const twin = (setup: string): string => `${setup}/${space}/twin.yaml`
      const plans = [twin(SETUP_A), twin(SETUP_B)] as const
      const kept = `${quiet('v1')}keep: true\n`
      const hooked = (script: string): string =>
        `${quiet('v1')}hooks:\n  pre-uninstall: [${script}]\n`
      const ops = await opsRepo()
      const first = await ops.commit({
        [plans[0]]: kept,
        [plans[1]]: kept,
        [`${SETUP_A}/${space}/hooked.yaml`]: hooked('hooks/one.sh'),
        [`${SETUP_B}/${space}/hooked.yaml`]: hooked('hooks/two.sh'),
        'hooks/one.sh': 'echo draining\n',
        'hooks/two.sh': 'echo draining\n'
      })
      await ops.push(first)
      const removed = await ops.commit({}, plans)
      const run = await act(ops.repo.dir, { push: { before: first, after: removed } })
      for (const plan of plans) {
        expect(resultOf(run, plan)).toMatchObject({
          status: 'skipped',
          notes: [expect.stringMatching(/^orphaned: the plan was removed with keep: true/)]
        })
      }
      expect(await clusterA.releaseStatus(space, 'twin')).toBe('deployed')
      expect(await clusterB.releaseStatus(space, 'twin')).toBe('deployed')
      const hooks = [`${SETUP_A}/${space}/hooked.yaml`, `${SETUP_B}/${space}/hooked.yaml`]
      const gone = await ops.commit({}, hooks)
      const uninstalled = await act(ops.repo.dir, { push: { before: removed, after: gone } })
      for (const plan of hooks)
        expect(resultOf(uninstalled, plan)).toMatchObject({
          operation: 'uninstall',
          status: 'succeeded'
        })
      expect(await clusterA.releaseSecrets(space, 'hooked')).toEqual([])
      expect(await clusterB.releaseSecrets(space, 'hooked')).toEqual([])
    },
    240_000
  )

  faultCase(
    'uninstall hooks of a removed plan',
    'pre-uninstall runs while the release exists, then helm uninstall, then post-uninstall: scripts from the base commit',
    async () => {
      const space = ns('unhooks')
      const p = `${SETUP_A}/${space}/gone.yaml`
      const out = join(await tempDir('gitops-unhooks-'), 'order.log')
      const probe = (word: string): string =>
        `if "$HELM" status "$GITOPS_RELEASE" -n "$GITOPS_NAMESPACE" >/dev/null 2>&1; then s=present; else s=absent; fi\necho "${word} $GITOPS_OPERATION $s" >> ${JSON.stringify(out)}\n`
      const ops = await opsRepo()
      const first = await ops.commit({
        'hooks/pre-un.sh': probe('pre'),
        'hooks/post-un.sh': probe('post'),
        [p]: `${quiet()}hooks:\n  pre-uninstall: [hooks/pre-un.sh]\n  post-uninstall: [hooks/post-un.sh]\n`
      })
      await ops.push(first)
      // The hook scripts go with the plan: they are read from the base commit.
      const removed = await ops.commit({}, [p, 'hooks/pre-un.sh', 'hooks/post-un.sh'])
      const run = await act(ops.repo.dir, { push: { before: first, after: removed } })
      expect(resultOf(run, p)).toMatchObject({
        operation: 'uninstall',
        status: 'succeeded',
        error: null
      })
      expect(readFileSync(out, 'utf8')).toBe('pre uninstall present\npost uninstall absent\n')
      expect(await clusterA.releaseSecrets(space, 'gone')).toEqual([])
    },
    180_000
  )

  faultCase(
    'a failed post-install hook is run again by the next run',
    'the first run fails on the hook; the re-run runs only the hook (no helm) and reports succeeded; the third is unchanged',
    async () => {
      const space = ns('retry')
      const p = `${SETUP_A}/${space}/flaky.yaml`
      const flag = join(await tempDir('gitops-retry-'), 'ran-once')
      const ops = await opsRepo()
      const head = await ops.commit({
        'hooks/flaky.sh': `if [ ! -f ${JSON.stringify(flag)} ]; then touch ${JSON.stringify(flag)}; echo first time fails >&2; exit 1; fi\necho ok\n`,
        [p]: `${quiet()}hooks:\n  post-install: [hooks/flaky.sh]\n`
      })
      const trigger = { push: { before: ops.base, after: head } }
      const first = await act(ops.repo.dir, trigger)
      expectFailed(first, p, /post-install hook hooks\/flaky\.sh exited with 1/, {
        operation: 'install'
      })
      const again = await act(ops.repo.dir, trigger)
      const result = expectSucceeded(again, p, 'install', 1)
      expect(result.notes).toContain('post-install hooks succeeded on revision 1')
      expect(await history(clusterA, space, 'flaky')).toEqual(['1:deployed'])
      expectUnchanged(await act(ops.repo.dir, trigger), p, 1)
    },
    180_000
  )
})
