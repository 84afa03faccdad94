// Bad plan files: one push adds a good plan and every kind of broken one at once.
// Each broken file fails alone, with one annotation on it (and its line where the
// problem has one); the good plan deploys; nothing of the broken ones reaches the
// cluster; the same event run again changes nothing and reports the same errors.
import { randomBytes } from 'node:crypto'
import { beforeAll, describe, expect } from 'vitest'
import type { ActionRun } from '../support/action-runner.ts'
import { act, clusterA, faultCase } from './action.ts'
import { faultSuite, HELLO_CHART, opsRepo, planYaml, valuesYaml } from './ops.ts'
import { expectFailed, expectSucceeded, message, resultOf } from './outcomes.ts'

const ns = faultSuite().ns('plans')
const p = (name: string): string => `local/a/${ns}/${name}`
const LEAVES = 'leaves the repository; paths are relative to the repository root'
const MISSING = 'does not exist in the repository (paths are relative to the repository root)'

let first: ActionRun
let again: ActionRun

beforeAll(async () => {
  const ops = await opsRepo()
  await ops.repo.write({ 'hooks/ok.sh': 'echo ok\n' })
  await ops.repo.link('values/link.yaml', '/etc/passwd')
  await ops.repo.link('hooks/link.sh', '/bin/true')
  await ops.repo.link('charts/outside', HELLO_CHART)
  const head = await ops.commit({
    'values/good.yaml': valuesYaml('good'),
    [p('good.yaml')]: planYaml({ values: 'values/good.yaml' }),
    [p('malformed.yaml')]: 'chart: ./charts/hello\nversion: 1.0: x\n',
    [p('empty.yaml')]: '',
    [p('list.yaml')]: '- chart: ./charts/hello\n',
    [p('unknown-key.yaml')]: 'chart: ./charts/hello\nvaluez: values/good.yaml\n',
    [p('wrong-types.yaml')]: 'chart:\n  - a\n  - b\nvalues:\n  a: b\nhooks: run.sh\n',
    [p('no-chart.yaml')]: 'version: 0.1.0\n',
    [p('Bad_Release.yaml')]: planYaml(),
    [`local/a/Bad_NS/demo.yaml`]: planYaml(),
    [`local/-a/${ns}/demo.yaml`]: planYaml(),
    [p('values-missing.yaml')]: planYaml({ values: 'values/missing.yaml' }),
    [p('values-absolute.yaml')]: planYaml({ values: '/etc/passwd' }),
    [p('values-escape.yaml')]: planYaml({ values: '../../etc/passwd' }),
    [p('values-symlink.yaml')]: planYaml({ values: 'values/link.yaml' }),
    [p('hook-missing.yaml')]: planYaml({ hooks: { 'pre-install': ['hooks/missing.sh'] } }),
    [p('hook-absolute.yaml')]: planYaml({ hooks: { 'post-install': ['/bin/sh'] } }),
    [p('hook-escape.yaml')]: planYaml({ hooks: { 'pre-upgrade': ['hooks/../../outside.sh'] } }),
    [p('hook-symlink.yaml')]: planYaml({
      hooks: { 'pre-install': ['hooks/ok.sh', 'hooks/link.sh'] }
    }),
    [p('chart-missing.yaml')]: planYaml({ chart: './charts/nope' }),
    [p('chart-absolute.yaml')]: planYaml({ chart: '/tmp' }),
    [p('chart-escape.yaml')]: planYaml({ chart: '../charts/hello' }),
    [p('chart-symlink.yaml')]: planYaml({ chart: './charts/outside' }),
    [p('unknown-alias.yaml')]: planYaml({ chart: 'nosuch/hello' }),
    [p('chart-unknown.yaml')]: planYaml({ chart: 'bed/nothere' }),
    [p('version-unknown.yaml')]: planYaml({ chart: 'bed/hello', version: '9.9.9' }),
    // 2 MiB of keys: bounded (refused by size), the run goes on.
    [p('large.yaml')]:
      'chart: ./charts/hello\n' + Array.from({ length: 150_000 }, (_, i) => `k${i}: v`).join('\n'),
    // No extension is a plan too (SPEC §1): an ELF-like header with NUL bytes.
    [p('binary')]: Buffer.concat([
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 0]),
      randomBytes(256)
    ]).toString('latin1')
  })
  const trigger = { push: { before: ops.base, after: head } }
  first = await act(ops.repo.dir, trigger)
  again = await act(ops.repo.dir, trigger)
}, 240_000)

/** The broken plan's outcome on both runs, and no release of it on the cluster. */
async function broken(
  name: string,
  error: string | RegExp,
  line?: number,
  planPath = p(name)
): Promise<void> {
  for (const run of [first, again])
    expectFailed(run, planPath, error, line === undefined ? {} : { line })
  const release = name.replace(/\.ya?ml$/, '')
  expect(await clusterA.releaseSecrets(ns, release)).toEqual([])
}

describe('plan files', () => {
  faultCase(
    'the good plan beside them',
    'installed at revision 1 with its values; the re-run leaves it at revision 1 ("unchanged")',
    async () => {
      expectSucceeded(first, p('good.yaml'), 'install', 1)
      expect(resultOf(again, p('good.yaml'))).toMatchObject({
        operation: 'upgrade',
        status: 'unchanged',
        revision: 1,
        notes: [
          expect.stringMatching(
            /^unchanged: revision 1 already deploys this plan \(commit [0-9a-f]{12}\)$/
          )
        ]
      })
      expect(await message(clusterA, ns, 'good')).toBe('good')
      expect(first.outputs.failed).toBe(String(first.results.length - 1))
      expect(first.summary).toContain('| `good` |')
    }
  )

  faultCase('malformed YAML', 'error on the file at the YAML error line 2', () =>
    broken(
      'malformed.yaml',
      `${p('malformed.yaml')}: line 2: invalid YAML: bad indentation of a mapping entry`,
      2
    )
  )

  faultCase('empty file', 'error on line 1: the plan file is empty', () =>
    broken(
      'empty.yaml',
      `${p('empty.yaml')}: line 1: the plan file is empty; it needs at least \`chart\`, e.g. \`chart: stable/nginx\``,
      1
    )
  )

  faultCase('a list instead of a map', 'error on line 1: must be a YAML mapping', () =>
    broken(
      'list.yaml',
      `${p('list.yaml')}: line 1: a plan file must be a YAML mapping with at least \`chart\``,
      1
    )
  )

  faultCase('unknown key', "error on line 2 naming the key 'valuez' and the allowed keys", () =>
    broken(
      'unknown-key.yaml',
      `${p('unknown-key.yaml')}: line 2: unknown key 'valuez'; allowed keys: chart, version, values, repository, hooks, needs, driftIgnore, wait, timeout, atomic, set, test, suspend, keep, health, crds`,
      2
    )
  )

  faultCase(
    'wrong types',
    'one error listing each wrong type with its line, annotated at the first (line 2)',
    () =>
      broken(
        'wrong-types.yaml',
        `${p('wrong-types.yaml')}: line 2: 'chart' must be a single value, not a sequence; line 5: 'values' must be a path or a list of paths; line 6: 'hooks' must be a mapping of hook names (pre-install, post-install, pre-upgrade, post-upgrade, pre-uninstall, post-uninstall) to lists of scripts`,
        2
      )
  )

  faultCase('no chart', "error on line 1: missing required key 'chart'", () =>
    broken(
      'no-chart.yaml',
      `${p('no-chart.yaml')}: line 1: missing required key 'chart' (e.g. \`chart: stable/nginx\`)`,
      1
    )
  )

  faultCase('invalid release name', 'error on the file: not a DNS-1123 label', () =>
    broken(
      'Bad_Release.yaml',
      `${p('Bad_Release.yaml')}: release name 'Bad_Release' (the file name without extension) must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 53 characters`
    )
  )

  faultCase(
    'invalid namespace name',
    'error on the file: the folder name is not a DNS-1123 label',
    async () => {
      for (const run of [first, again]) {
        expectFailed(
          run,
          'local/a/Bad_NS/demo.yaml',
          "local/a/Bad_NS/demo.yaml: namespace 'Bad_NS' (the folder name) must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"
        )
      }
      expect(await clusterA.namespace('Bad_NS')).toBeUndefined()
    }
  )

  faultCase(
    'invalid setup name',
    "error on the file naming the bad part '-a'; no kubeconfig fetched for it",
    async () => {
      for (const run of [first, again]) {
        expectFailed(
          run,
          `local/-a/${ns}/demo.yaml`,
          `local/-a/${ns}/demo.yaml: setup 'local/-a' has an invalid part '-a': use letters, digits, '.', '_' and '-', starting and ending with a letter or digit`
        )
        expect(run.log).not.toContain('Kubeconfig of setup local/-a')
      }
    }
  )

  faultCase('values: missing', 'error at the values line: does not exist', () =>
    broken(
      'values-missing.yaml',
      `${p('values-missing.yaml')}: line 3: values file 'values/missing.yaml' ${MISSING}`,
      3
    )
  )
  faultCase('values: absolute path', 'error at the values line: leaves the repository', () =>
    broken(
      'values-absolute.yaml',
      `${p('values-absolute.yaml')}: line 3: values file '/etc/passwd' ${LEAVES}`,
      3
    )
  )
  faultCase('values: escapes with ..', 'error at the values line: leaves the repository', () =>
    broken(
      'values-escape.yaml',
      `${p('values-escape.yaml')}: line 3: values file '../../etc/passwd' ${LEAVES}`,
      3
    )
  )
  faultCase(
    'values: symlink out of the repository',
    'error at the values line: resolves outside the repository',
    () =>
      broken(
        'values-symlink.yaml',
        `${p('values-symlink.yaml')}: line 3: values file 'values/link.yaml' resolves (through a symlink) outside the repository`,
        3
      )
  )

  faultCase('hook: missing', 'error at the hook line; no hook runs', () =>
    broken(
      'hook-missing.yaml',
      `${p('hook-missing.yaml')}: line 4: pre-install hook 'hooks/missing.sh' ${MISSING}`,
      4
    )
  )
  faultCase('hook: absolute path', 'error at the hook line: leaves the repository', () =>
    broken(
      'hook-absolute.yaml',
      `${p('hook-absolute.yaml')}: line 4: post-install hook '/bin/sh' ${LEAVES}`,
      4
    )
  )
  faultCase('hook: escapes with ..', 'error at the hook line: leaves the repository', () =>
    broken(
      'hook-escape.yaml',
      `${p('hook-escape.yaml')}: line 4: pre-upgrade hook 'hooks/../../outside.sh' ${LEAVES}`,
      4
    )
  )
  faultCase(
    'hook: symlink out of the repository',
    'error at the second hook line (5); the first hook does not run either',
    () =>
      broken(
        'hook-symlink.yaml',
        `${p('hook-symlink.yaml')}: line 5: pre-install hook 'hooks/link.sh' resolves (through a symlink) outside the repository`,
        5
      )
  )

  faultCase('local chart: missing', 'error at the chart line: does not exist', () =>
    broken(
      'chart-missing.yaml',
      `${p('chart-missing.yaml')}: line 1: local chart './charts/nope' ${MISSING}`,
      1
    )
  )
  faultCase('local chart: absolute path', 'error at the chart line: leaves the repository', () =>
    broken(
      'chart-absolute.yaml',
      `${p('chart-absolute.yaml')}: line 1: local chart '/tmp' ${LEAVES}`,
      1
    )
  )
  faultCase('local chart: escapes with ..', 'error at the chart line: leaves the repository', () =>
    broken(
      'chart-escape.yaml',
      `${p('chart-escape.yaml')}: line 1: local chart '../charts/hello' ${LEAVES}`,
      1
    )
  )
  faultCase(
    'local chart: symlink out of the repository',
    'error at the chart line: resolves outside the repository',
    () =>
      broken(
        'chart-symlink.yaml',
        `${p('chart-symlink.yaml')}: line 1: local chart './charts/outside' resolves (through a symlink) outside the repository`,
        1
      )
  )

  faultCase(
    'unknown repository alias',
    "error at the chart line naming the alias and the known ones ('bed')",
    () =>
      broken(
        'unknown-alias.yaml',
        `${p('unknown-alias.yaml')}: line 1: unknown repository alias 'nosuch' in chart 'nosuch/hello' (known aliases: bed); define it in the helm-repositories input or .gitops/repositories.yaml, or write ./nosuch/hello for a chart in this repository`,
        1
      )
  )

  faultCase(
    'a chart that does not exist',
    "install fails with helm's message (chart not found in the repository)",
    () =>
      broken(
        'chart-unknown.yaml',
        `${p('chart-unknown.yaml')}: helm install failed: INSTALLATION FAILED: chart "nothere" matching  not found in bed index. (try 'helm repo update'): no chart name found`
      )
  )

  faultCase(
    'a version that does not exist',
    "install fails with helm's message (no hello 9.9.9)",
    () =>
      broken(
        'version-unknown.yaml',
        new RegExp(
          `^${p('version-unknown.yaml')}: helm install failed: .*chart "hello" matching 9\\.9\\.9 not found in bed index`
        )
      )
  )

  faultCase(
    'a very large file',
    'refused by its size (bounded), without a crash or a huge annotation',
    async () => {
      await broken(
        'large.yaml',
        /^local\/a\/[^/]+\/large\.yaml: the plan file is \d+ bytes; a plan file may be at most 65536 bytes$/
      )
      expect(first.stdout.length).toBeLessThan(200_000)
    }
  )

  faultCase('a binary file', 'error on line 1: invalid YAML (null byte)', () =>
    broken('binary', `${p('binary')}: line 1: invalid YAML: null byte is not allowed in input`, 1)
  )
})
