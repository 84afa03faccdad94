// Hardening, continued: what a fork's plan can make helm read, what a `set:` key can
// reach, how long a plan may make helm wait, and where a removed plan's hooks run.
// Each case ran against the action before its fix and failed there.
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { describe, expect } from 'vitest'
import { git, tempDir } from '../support/git-repo.ts'
import {
  act,
  clusterA,
  expectFailed,
  expectSucceeded,
  faultCase,
  faultSuite,
  history,
  opsRepo,
  planYaml,
  resultOf,
  secret,
  SETUP_A,
  valuesYaml
} from './harness.ts'

const suite = faultSuite()

/** A chart that renders one file of its own folder into a ConfigMap: what `.Files.Get` can reach. */
function leakingChart(name: string, file: string, dependencies = ''): Record<string, string> {
  return {
    'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n${dependencies}`,
    'templates/leak.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-${name}-leak\ndata:\n  leak: {{ .Files.Get ${JSON.stringify(file)} | quote }}\n`
  }
}

const under = (dir: string, files: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(files).map(([path, text]) => [`${dir}/${path}`, text]))

const dependsOn = (repository: string): string =>
  `dependencies:\n  - name: lib\n    version: 0.1.0\n    repository: ${JSON.stringify(repository)}\n`

describe('hardening, continued', () => {
  faultCase(
    'a pull request whose local charts make helm read runner files (a file:// dependency outside the repository, one inside with a symlink out, a symlink to .git)',
    'each plan fails at its chart line in the preview ("has a dependency \'file://...\' ... that resolves outside the repository", "reads folder \'vendor/lib\', which holds a symlink ...", "... not part of the deployed commit (such as .git)"); no runner file, no .git/config, shows in the diff, summary or log',
    async () => {
      const space = suite.ns('filedep')
      const ops = await opsRepo()
      // A chart folder beside the checkout, with a file only the runner has.
      const outside = await tempDir('gitops-outside-')
      const runnerSecret = secret(`runner-file-${Math.random().toString(36).slice(2)}`)
      const files = { ...leakingChart('lib', 'secret.txt'), 'secret.txt': `${runnerSecret}\n` }
      for (const [path, text] of Object.entries(under(join(outside, 'lib'), files))) {
        await mkdir(dirname(path), { recursive: true })
        await writeFile(path, text)
      }
      // The checkout's .git/config holds the token actions/checkout persisted.
      const gitSecret = secret(`git-config-${Math.random().toString(36).slice(2)}`)
      await git(ops.repo.dir, 'config', 'gitops.token', gitSecret)
      const far = `file://../../../${basename(outside)}/lib`
      await ops.repo.write({
        ...under('charts/far', leakingChart('far', 'none', dependsOn(far))),
        ...under('charts/near', leakingChart('near', 'none', dependsOn('file://../../vendor/lib'))),
        ...under('vendor/lib', leakingChart('lib', 'env')),
        ...under('charts/peek', leakingChart('peek', 'gitdir/config'))
      })
      await ops.repo.link('vendor/lib/env', join(outside, 'lib', 'secret.txt'))
      await ops.repo.link('charts/peek/gitdir', '../../.git')
      const plan = (name: string): string => `${SETUP_A}/${space}/${name}.yaml`
      const head = await ops.commit({
        [plan('far')]: planYaml({ chart: './charts/far' }),
        [plan('near')]: planYaml({ chart: './charts/near' }),
        [plan('peek')]: planYaml({ chart: './charts/peek' })
      })
      const run = await act(ops.repo.dir, { pullRequest: { base: ops.base, head } })
      const why =
        'a file:// dependency must be a chart folder of the repository, relative to the chart that names it'
      const follow = 'which helm would follow; remove it or point it inside the repository'
      expectFailed(
        run,
        plan('far'),
        `${plan('far')}: line 1: local chart './charts/far' has a dependency '${far}' (in charts/far/Chart.yaml) that resolves outside the repository; ${why}`,
        { line: 1 }
      )
      expectFailed(
        run,
        plan('near'),
        `${plan('near')}: line 1: local chart './charts/near' reads folder 'vendor/lib', which holds a symlink 'vendor/lib/env' that leads outside the repository, ${follow}`,
        { line: 1 }
      )
      expectFailed(
        run,
        plan('peek'),
        `${plan('peek')}: line 1: local chart './charts/peek' holds a symlink 'charts/peek/gitdir' that leads to files that are not part of the deployed commit (such as .git), ${follow}`,
        { line: 1 }
      )
    }
  )

  faultCase(
    'a set: key __proto__.suspend in one plan of a push',
    "that plan fails at its set line (\"'set' key '__proto__.suspend' uses '__proto__', which no value path may use ...\"); the other plan installs (it was marked suspended)",
    async () => {
      const evilOf = (ns: string): string => `${SETUP_A}/${ns}/evil.yaml`
      const change = await suite.onePlan('proto', (ns, plan) => ({
        [evilOf(ns)]: `${planYaml({ values: 'values/v.yaml' })}set:\n  __proto__.suspend: true\n`,
        [plan]: planYaml({ values: 'values/v.yaml' }),
        'values/v.yaml': valuesYaml('proto')
      }))
      const evil = evilOf(change.ns)
      const run = await change.push()
      expectFailed(
        run,
        evil,
        `${evil}: line 5: 'set' key '__proto__.suspend' uses '__proto__', which no value path may use (__proto__, constructor, prototype); rename the value`,
        { line: 5 }
      )
      expectSucceeded(run, change.plan, 'install', 1)
      expect(await history(clusterA, change.ns, 'evil')).toEqual([])
    }
  )

  faultCase(
    'timeout: 200h in a plan',
    "the plan fails at its timeout line (\"'timeout' must be at most 120h (5 days, the longest a job may run), not '200h'\"); nothing installed",
    async () => {
      const change = await suite.onePlan('longwait', (_, plan) => ({
        [plan]: `${planYaml()}timeout: 200h\n`
      }))
      const { ns: space, plan } = change
      const run = await change.push()
      expectFailed(
        run,
        plan,
        `${plan}: line 2: 'timeout' must be at most 120h (5 days, the longest a job may run), not '200h'`,
        { line: 2 }
      )
      expect(await history(clusterA, space, 'app')).toEqual([])
    }
  )

  faultCase(
    'a removed plan whose pre-uninstall hook sources a script beside it',
    "the hook runs among the base commit's files (lib.sh found, the plan file there, from its root): the release is uninstalled",
    async () => {
      const hooks = (plan: string): string => `${dirname(plan)}/hooks`
      const change = await suite.onePlan('hooklib', (_, plan) => ({
        [plan]: planYaml({ hooks: { 'pre-uninstall': [`${hooks(plan)}/drain.sh`] } }),
        [`${hooks(plan)}/drain.sh`]:
          'set -e\n. "$(dirname "$0")/lib.sh"\ndrain\ntest -f "$GITOPS_PLAN"\n',
        [`${hooks(plan)}/lib.sh`]: 'drain() { echo "drained by lib.sh"; }\n'
      }))
      const { ns: space, ops, plan, head: installed } = change
      const dir = dirname(plan)
      expectSucceeded(await change.push(), plan, 'install', 1)
      const removed = await ops.commit({}, [dir])
      const run = await act(ops.repo.dir, { push: { before: installed, after: removed } })
      expect(resultOf(run, plan), run.log).toMatchObject({
        operation: 'uninstall',
        status: 'succeeded'
      })
      expect(run.log).toContain('drained by lib.sh')
      expect(await history(clusterA, space, 'app')).toEqual([])
    }
  )
})
