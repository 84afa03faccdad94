// Security: a pull request (and dry-run) touches no cluster, fetches no kubeconfig
// and runs no hook; no credential of the suite ever shows in what a run prints or
// writes, helm's own error output included. (Every run of every fault case is also
// scanned, by `act` in action.ts.)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import { dump, load } from 'js-yaml'
import { body, startFaultServer } from '../support/fault-servers.ts'
import { tempDir } from '../support/git-repo.ts'
import { chartRepoUrl } from '../support/testbed.ts'
import type { ActionRun } from '../support/action-runner.ts'
import {
  act,
  bed,
  clusterA,
  clusterB,
  credentials,
  faultCase,
  leaks,
  secret,
  SETUP_A,
  SETUP_B
} from './action.ts'
import { faultSuite, namespace, opsRepo, planYaml, valuesYaml, type Ops } from './ops.ts'
import { expectFailed, expectSucceeded, message, resultOf, stepErrors } from './outcomes.ts'

const suite = faultSuite()
const CANARY_HOOK =
  'echo "$GITOPS_OPERATION" >> "$GITHUB_WORKSPACE/../hook-canary-$GITOPS_RELEASE"\necho ran > hook-canary\n'

const HOOKS = { 'pre-install': ['hooks/canary.sh'], 'post-install': ['hooks/canary.sh'] }

/** A repository where a change adds plans with hooks in both setups; returns what a preview needs. */
async function hookedChange(name: string) {
  const c = await suite.change(name, (ns) => ({
    'hooks/canary.sh': CANARY_HOOK,
    'values/app.yaml': valuesYaml(name),
    ...Object.fromEntries(
      [SETUP_A, SETUP_B].map((s) => [
        `${s}/${ns}/app.yaml`,
        planYaml({ values: 'values/app.yaml', hooks: HOOKS })
      ])
    )
  }))
  return { ...c, planA: c.planIn(SETUP_A), planB: c.planIn(SETUP_B) }
}

/** No hook ran (canary) and neither cluster has the case's namespace. */
async function expectNoTrace(c: { readonly ns: string; readonly ops: Ops }): Promise<void> {
  expect(existsSync(join(c.ops.repo.dir, 'hook-canary'))).toBe(false)
  expect(await clusterA.namespace(c.ns)).toBeUndefined()
  expect(await clusterB.namespace(c.ns)).toBeUndefined()
}

/** Runs the action against a store that must not be asked: no request reached it. */
async function unaskedStore(
  run: (inputs: Record<string, string>) => Promise<ActionRun>
): Promise<ActionRun> {
  const store = await startFaultServer({})
  try {
    const done = await run({ 'kubeconfig-store-url': `${store.url}/store` })
    expect(store.requests).toEqual([])
    return done
  } finally {
    await store.close()
  }
}

describe('security', () => {
  faultCase(
    'a pull_request with plans and hooks',
    'preview only: each plan "planned" (rendered by helm template), no request to the store, no hook run (canary), nothing on either cluster, even with dry-run: false',
    async () => {
      const c = await hookedChange('pr')
      const run = await unaskedStore((inputs) =>
        act(
          c.ops.repo.dir,
          { pullRequest: { base: c.ops.base, head: c.head } },
          { inputs: { ...inputs, 'dry-run': 'false' } }
        )
      )
      expect(run.code).toBe(0)
      for (const plan of [c.planA, c.planB]) {
        expect(resultOf(run, plan)).toMatchObject({
          status: 'planned',
          operation: 'render',
          error: null,
          // Against the pull request's base, which has no plans yet.
          notes: ['a new plan: +1 ~0 -0 objects']
        })
      }
      await expectNoTrace(c)
      expect(JSON.parse(run.outputs.setups ?? '[]')).toEqual([SETUP_A, SETUP_B])
    }
  )

  faultCase(
    'a pull_request whose plan renders badly',
    "the plan fails in preview with helm template's error on the plan file, before merge; still no store request, no cluster",
    async () => {
      const ns = namespace('prbad')
      const ops = await opsRepo()
      const plan = `${SETUP_A}/${ns}/app.yaml`
      const head = await ops.commit({ [plan]: planYaml({ chart: 'bed/hello', version: '7.7.7' }) })
      const run = await unaskedStore((inputs) =>
        act(ops.repo.dir, { pullRequest: { base: ops.base, head } }, { inputs })
      )
      expectFailed(
        run,
        plan,
        new RegExp(
          `^${plan}: helm template failed: .*chart "hello" matching 7\\.7\\.7 not found in bed index`
        )
      )
      expect(await clusterA.namespace(ns)).toBeUndefined()
    }
  )

  faultCase(
    'dry-run: true on a push',
    'same as a pull request: planned, no store request, no hook, no cluster write',
    async () => {
      const c = await hookedChange('dry')
      const run = await unaskedStore((inputs) =>
        c.push({ inputs: { ...inputs, 'dry-run': 'true' } })
      )
      expect(run.code).toBe(0)
      expect(run.results.map((r) => r.status)).toEqual(['planned', 'planned'])
      await expectNoTrace(c)
    }
  )

  faultCase(
    'a password committed in .gitops/repositories.yaml',
    'step error naming the file, line and key ("a credential and must not be committed"); the password is never printed; nothing deployed',
    async () => {
      const ns = namespace('committed')
      const ops = await opsRepo()
      const password = secret(`committed-${Math.random().toString(36).slice(2)}`)
      const head = await ops.commit({
        '.gitops/repositories.yaml': `repositories:\n  - name: team\n    url: ${chartRepoUrl()}\n    password: ${password}\n`,
        [`${SETUP_A}/${ns}/app.yaml`]: planYaml({ chart: 'team/hello' })
      })
      const run = await ops.push(head)
      expect(run.code).toBe(1)
      expect(stepErrors(run)).toEqual([
        ".gitops/repositories.yaml line 4: 'password' is a credential and must not be committed: give this repository in the helm-repositories input, from a secret"
      ])
      expect(run.results).toEqual([])
      expect(await clusterA.namespace(ns)).toBeUndefined()
    }
  )

  faultCase(
    "helm's own output holding a credential",
    'a chatty kubeconfig exec plugin prints its secret to helm\'s stderr on every call: it reaches the plan\'s log group as "***"; the install succeeds; zero hits of any credential',
    async () => {
      const ns = suite.ns('exec')
      const ops = await opsRepo()
      const plan = `${SETUP_A}/${ns}/app.yaml`
      const head = await ops.commit({ [plan]: planYaml() })
      const pluginSecret = secret(`plugin-${Math.random().toString(36).slice(2)}-secret`)
      const real = load(readFileSync(bed.kubeconfigs[0] as string, 'utf8')) as {
        users: { user: Record<string, string> }[]
      }
      const user = real.users[0]?.user ?? {}
      const pem = (key: string): string => Buffer.from(user[key] ?? '', 'base64').toString('utf8')
      // The plugin hands client-go the bed's client certificate, and chats on stderr like some cloud plugins do.
      const credential = join(await tempDir('faults-exec-'), 'credential.json')
      writeFileSync(
        credential,
        JSON.stringify({
          apiVersion: 'client.authentication.k8s.io/v1',
          kind: 'ExecCredential',
          status: {
            clientCertificateData: pem('client-certificate-data'),
            clientKeyData: pem('client-key-data')
          }
        })
      )
      const kubeconfig = {
        ...real,
        users: real.users.map((u) => ({
          ...u,
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: '/bin/sh',
              args: ['-c', 'echo "exec plugin says $PLUGIN_SECRET" >&2; cat "$CREDENTIAL"'],
              env: [
                { name: 'PLUGIN_SECRET', value: pluginSecret },
                { name: 'CREDENTIAL', value: credential }
              ],
              interactiveMode: 'Never'
            }
          }
        }))
      }
      const store = await startFaultServer({
        [`/store/${SETUP_A}/kubeconfig.yaml`]: [body(dump(kubeconfig))]
      })
      try {
        const run = await ops.push(head, {
          inputs: { 'kubeconfig-store-url': `${store.url}/store` }
        })
        expectSucceeded(run, plan, 'install', 1)
        expect(run.log).toContain('  exec plugin says ***')
        expect(leaks(run)).toEqual([])
        expect(await message(clusterA, ns, 'app')).toBe('hello from the test bed')
      } finally {
        await store.close()
      }
    }
  )

  faultCase(
    'every credential of the suite, on a run that uses them all',
    'store password, chart repository password (also a wrong one helm reports), kubeconfig token and client key, GitHub token: zero hits in log, stderr, summary, outputs, annotations and post step; kubeconfigs are 0600 while the run holds them and gone when its main step ends',
    async () => {
      const ns = suite.ns('creds')
      const ops = await opsRepo()
      const planA = `${SETUP_A}/${ns}/app.yaml`
      const planB = `${SETUP_B}/${ns}/app.yaml`
      const planC = `${SETUP_B}/${ns}/denied.yaml`
      // Prints the mode of the setup's kubeconfig while the run holds it.
      const hooks = { 'post-install': ['hooks/mode.sh'] }
      const head = await ops.commit({
        'values/app.yaml': valuesYaml('creds'),
        'hooks/mode.sh': 'stat -c "kubeconfig mode %a" "$KUBECONFIG"\n',
        [planA]: planYaml({ chart: 'bed/hello', values: 'values/app.yaml', hooks }),
        [planB]: planYaml({ chart: 'bed/hello', values: 'values/app.yaml', hooks }),
        [planC]: planYaml({ chart: 'wrong/hello' })
      })
      const wrong = new URL(chartRepoUrl())
      wrong.username = bed.chartRepoUser
      wrong.password = secret(`wrong-chart-${Math.random().toString(36).slice(2)}`)
      let left = true
      const run = await ops.push(head, {
        inputs: { 'helm-repositories': `bed ${bed.chartRepo}\nwrong ${wrong.toString()}` },
        beforePost: (state) => {
          left = existsSync(state['gitops-workdir'] ?? '')
        }
      })
      expectSucceeded(run, planA, 'install', 1)
      expectSucceeded(run, planB, 'install', 1)
      const repo = chartRepoUrl()
      expectFailed(
        run,
        planC,
        `${planC}: could not set up chart repository wrong (${repo}): helm repo failed: looks like "${repo}" is not a valid chart repository or cannot be reached: failed to fetch ${repo}/index.yaml : 401 Unauthorized`,
        { operation: 'install' }
      )
      expect(await message(clusterA, ns, 'app')).toBe('creds')
      expect(await message(clusterB, ns, 'app')).toBe('creds')
      expect(run.log.match(/kubeconfig mode \d+/g)).toEqual([
        'kubeconfig mode 600',
        'kubeconfig mode 600'
      ])
      expect(left).toBe(false)
      // Only the results file stays, for the upload step: no kubeconfig, no decrypted value.
      expect(readdirSync(run.runnerTemp)).toEqual([expect.stringMatching(/^gitops-results-/)])
      expect(readdirSync(join(run.runnerTemp, readdirSync(run.runnerTemp)[0] ?? ''))).toEqual([
        'gitops-results.json'
      ])
      // The scan looked for each credential in several forms; the kubeconfigs gave a token and a key.
      expect(credentials().length).toBeGreaterThanOrEqual(10)
      expect(leaks(run)).toEqual([])
      expect(run.masked.length).toBeGreaterThan(0)
    }
  )
})
