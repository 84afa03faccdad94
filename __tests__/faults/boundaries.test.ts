// Boundaries between the action and what it runs or reads: setups never share a
// kubeconfig, text from the repository, hooks and helm never acts as a workflow
// command, child processes never see the action's configuration, hooks end with
// their process and cannot fill the memory, and cancellation reaches a hanging
// GitHub API.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import { hang, file, startFaultServer } from '../support/fault-servers.ts'
import { tempDir } from '../support/git-repo.ts'
import { eventually } from '../support/testbed.ts'
import { bed, clusterA, clusterB, faultCase, secret } from './action.ts'
import { faultSuite, opsRepo, planYaml, valuesYaml } from './ops.ts'
import { expectFailed, expectSucceeded, gone, history, message, resultOf } from './outcomes.ts'

const suite = faultSuite()
/** Lines that a runner would take as workflow commands if printed as they are. */
const HOSTILE = [
  '::error title=Injected::from a hook',
  '   ::warning title=Injected::indented',
  'x\r::notice title=Injected::after a carriage return',
  'legacy ##[error]Injected',
  '::stop-commands::pwned'
]

describe('boundaries', () => {
  faultCase(
    'two setups whose names differ only in "/" and "__" (a__b/c, a/b__c)',
    "each setup's kubeconfig has a file of its own: a__b/c installs on cluster A, a/b__c on cluster B, neither release on the other cluster",
    async () => {
      const ns = suite.ns('setupkey')
      const ops = await opsRepo()
      const plans = { 'a__b/c': `a__b/c/${ns}/app.yaml`, 'a/b__c': `a/b__c/${ns}/app.yaml` }
      const head = await ops.commit({
        'values/one.yaml': valuesYaml('a__b/c'),
        'values/two.yaml': valuesYaml('a/b__c'),
        [plans['a__b/c']]: planYaml({ values: 'values/one.yaml' }),
        [plans['a/b__c']]: planYaml({ values: 'values/two.yaml' })
      })
      const store = await startFaultServer({
        '/store/a__b/c/kubeconfig.yaml': [file(bed.kubeconfigs[0] as string)],
        '/store/a/b__c/kubeconfig.yaml': [file(bed.kubeconfigs[1] as string)]
      })
      try {
        const run = await ops.push(head, {
          inputs: { 'kubeconfig-store-url': `${store.url}/store`, parallel: '2' }
        })
        expectSucceeded(run, plans['a__b/c'], 'install', 1)
        expectSucceeded(run, plans['a/b__c'], 'install', 1)
        expect(await message(clusterA, ns, 'app')).toBe('a__b/c')
        expect(await message(clusterB, ns, 'app')).toBe('a/b__c')
        expect(await history(clusterA, ns, 'app')).toEqual(['1:deployed'])
        expect(await history(clusterB, ns, 'app')).toEqual(['1:deployed'])
      } finally {
        await store.close()
      }
    }
  )

  faultCase(
    "workflow commands in a file name, hook output and a chart's fail message (::error, indented, after \\r, legacy ##[, ::stop-commands::)",
    'the log shows each verbatim and the runner obeys none: the only annotations are the two failures (bad release name, chart fail), each once on its plan',
    async () => {
      const ns = suite.ns('cmds')
      const ops = await opsRepo()
      const hooked = `local/a/${ns}/hooked.yaml`
      const failing = `local/a/${ns}/failing.yaml`
      const badName = `local/a/${ns}/x\n::error title=Injected::from a file name.yaml`
      // bash's $'...' quoting keeps the carriage return a real one.
      const words = HOSTILE.map(
        (l) => `$'${l.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r/g, '\\r')}'`
      ).join(' ')
      const head = await ops.commit({
        'hooks/noisy.sh': `printf '%s\\n' ${words}\nprintf '%s\\n' ${words} >&2\n`,
        'charts/failing/Chart.yaml': 'apiVersion: v2\nname: failing\nversion: 0.1.0\n',
        'charts/failing/templates/fail.yaml':
          '{{ fail "bad values\\n::error title=Injected::from a chart\\n::stop-commands::pwned" }}\n',
        [hooked]: planYaml({ hooks: { 'pre-install': ['hooks/noisy.sh'] } }),
        [failing]: planYaml({ chart: './charts/failing' }),
        [badName]: planYaml()
      })
      const run = await ops.push(head)

      expectSucceeded(run, hooked, 'install', 1)
      expectFailed(run, failing, /^local\/a\/.+\/failing\.yaml: helm install failed: .*bad values/)
      expect(resultOf(run, badName).status).toBe('failed')
      const onFiles = run.annotations.filter((a) => a.properties.file)
      expect(onFiles.map((a) => a.properties.file).sort()).toEqual([badName, failing].sort())
      const injected = ['from a hook', 'indented', 'after a carriage return', 'Injected']
      const obeyed = run.annotations.filter(
        (a) => a.properties.title === 'Injected' || injected.includes(a.message)
      )
      expect(obeyed).toEqual([])
      for (const line of HOSTILE) expect(run.log).toContain(line)
      expect(run.log).toContain('::error title=Injected::from a chart')
    }
  )

  faultCase(
    'a hook that writes down its environment',
    'it has its plan variables, KUBECONFIG and the OIDC token request; none of INPUT_*, STATE_*, KUBECONFIG_REPO_URL, GITHUB_ACCESS_TOKEN, GITOPS_SHELL_EXEC, GITHUB_OUTPUT, GITHUB_STATE, ACTIONS_RUNTIME_TOKEN',
    async () => {
      const ns = suite.ns('env')
      const ops = await opsRepo()
      const plan = `local/a/${ns}/app.yaml`
      const head = await ops.commit({
        'hooks/env.sh': 'env -0 > hook-env\n',
        [plan]: planYaml({ hooks: { 'pre-install': ['hooks/env.sh'] } })
      })
      const run = await ops.push(head, {
        env: {
          KUBECONFIG_REPO_URL: bed.storeUrl,
          GITHUB_ACCESS_TOKEN: secret(`ghp_seed${Math.random().toString(36).slice(2)}`),
          GITOPS_SHELL_EXEC: '/bin/bash',
          ACTIONS_RUNTIME_TOKEN: secret(`runtime${Math.random().toString(36).slice(2)}`),
          ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/oidc',
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: secret(`oidc${Math.random().toString(36).slice(2)}`)
        }
      })
      expectSucceeded(run, plan, 'install', 1)
      const names = readFileSync(join(ops.repo.dir, 'hook-env'), 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((entry) => entry.slice(0, entry.indexOf('=')))
      expect(names).toEqual(
        expect.arrayContaining([
          'GITOPS_RELEASE',
          'KUBECONFIG',
          'PATH',
          'ACTIONS_ID_TOKEN_REQUEST_URL',
          'ACTIONS_ID_TOKEN_REQUEST_TOKEN'
        ])
      )
      const withheld = names.filter(
        (n) =>
          /^(INPUT_|STATE_)/.test(n) ||
          [
            'KUBECONFIG_REPO_URL',
            'GITHUB_ACCESS_TOKEN',
            'GITOPS_SHELL_EXEC',
            'GITHUB_OUTPUT',
            'GITHUB_STATE',
            'ACTIONS_RUNTIME_TOKEN'
          ].includes(n)
      )
      expect(withheld).toEqual([])
    }
  )

  faultCase(
    'a hook that leaves a background job holding its output open (hook-timeout 60)',
    'the hook ends when its shell exits: the plan installs well within the hook-timeout and the background job is killed',
    async () => {
      const ns = suite.ns('bgjob')
      const ops = await opsRepo()
      const plan = `local/a/${ns}/app.yaml`
      const head = await ops.commit({
        'hooks/bg.sh': 'sleep 300 &\necho $! > bg.pid\necho started a background job\n',
        [plan]: planYaml({ hooks: { 'pre-install': ['hooks/bg.sh'] } })
      })
      const run = await ops.push(head, { inputs: { 'hook-timeout': '60' } })
      expectSucceeded(run, plan, 'install', 1)
      expect(run.durationMs).toBeLessThan(30_000)
      expect(gone(Number(readFileSync(join(ops.repo.dir, 'bg.pid'), 'utf8')))).toBe(true)
    },
    150_000
  )

  faultCase(
    'a hook that prints 40 MB',
    "the action's peak memory stays under 250 MB; its log group keeps the first and last 1000 lines and says how many it left out; the plan installs",
    async () => {
      const ns = suite.ns('loud')
      const ops = await opsRepo()
      const plan = `local/a/${ns}/app.yaml`
      const head = await ops.commit({
        'hooks/loud.sh':
          "yes 'a line of hook output, printed again and again and again' | head -c 40000000\n",
        // The action is this hook's parent: its peak resident memory so far, in kB.
        'hooks/peak.sh': "awk '/VmHWM/ { print $2 }' /proc/$PPID/status > peak-kb\n",
        [plan]: planYaml({
          hooks: { 'pre-install': ['hooks/loud.sh'], 'post-install': ['hooks/peak.sh'] }
        })
      })
      const run = await ops.push(head)
      expectSucceeded(run, plan, 'install', 1)
      const peakMb = Number(readFileSync(join(ops.repo.dir, 'peak-kb'), 'utf8')) / 1024
      expect(peakMb).toBeLessThan(250)
      expect(run.log).toMatch(/… \d+ line\(s\) left out …/)
      expect(run.log.length).toBeLessThan(1_000_000)
    },
    150_000
  )

  faultCase(
    'SIGINT while the GitHub API hangs (listing the last successful run)',
    'the API call stops at once: the run ends within 5 s of SIGINT with its results (the plan skipped "not run: the run was cancelled"), summary and cancellation warning; nothing installed',
    async () => {
      const ns = suite.ns('apihang')
      const ops = await opsRepo()
      const plan = `local/a/${ns}/app.yaml`
      const head = await ops.commit({ [plan]: planYaml() })
      const api = await startFaultServer({ '*': [hang] })
      try {
        const run = await ops.push(head, {
          env: { GITHUB_API_URL: api.url },
          cancelOn: eventually('a request to the API', async () => api.requests.length > 0)
        })
        expect(api.requests.length).toBeGreaterThan(0)
        expect(run.exitAfterSignalMs).toBeLessThan(5_000)
        expect(run.code).toBe(1)
        expect(resultOf(run, plan)).toMatchObject({
          status: 'skipped',
          notes: ['not run: the run was cancelled']
        })
        expect(run.summary).toContain(plan)
        expect(
          run.annotations.filter((a) => a.level === 'warning').map((a) => a.message)
        ).toContain(
          'The run was cancelled: what finished is reported; the next run recovers the rest.'
        )
        expect(await history(clusterA, ns, 'app')).toEqual([])
      } finally {
        await api.close()
      }
    }
  )

  faultCase(
    'SIGINT while the helm mirror hangs (downloading the tarball)',
    'the download stops at once: the run ends within 5 s of SIGINT, the plan skipped "not run: the run was cancelled", nothing cached',
    async () => {
      const ns = suite.ns('mirrorhang')
      const ops = await opsRepo()
      const plan = `local/a/${ns}/app.yaml`
      const head = await ops.commit({ [plan]: planYaml() })
      const mirror = await startFaultServer({ '*': [hang] })
      const toolCache = await tempDir('faults-tool-cache-')
      try {
        const run = await ops.push(head, {
          inputs: {
            'helm-version': bed.helm4Version,
            'helm-download-url': `${mirror.url}/helm-{version}-{os}-{arch}.tar.gz`
          },
          toolCache,
          cancelOn: eventually('a request to the mirror', async () => mirror.requests.length > 0)
        })
        expect(run.exitAfterSignalMs).toBeLessThan(5_000)
        expect(run.code).toBe(1)
        expect(resultOf(run, plan)).toMatchObject({
          status: 'skipped',
          notes: ['not run: the run was cancelled']
        })
        expect(existsSync(join(toolCache, 'helm'))).toBe(false)
      } finally {
        await mirror.close()
      }
    }
  )
})
