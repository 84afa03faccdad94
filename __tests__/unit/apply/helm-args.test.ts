import { describe, expect, it } from 'vitest'
import {
  applyArgs,
  historyArgs,
  releaseOptionArgs,
  serverSideFlag,
  serverSideInEffect,
  templateArgs,
  templateWithCrdsArgs,
  testArgs,
  translateUserArgs,
  uninstallArgs,
  type ApplyArgsInput
} from '../../../src/apply/helm-args.ts'
import { DEFAULT_OPTIONS } from '../../../src/plan/plan-options.ts'

const target = {
  plan: 'aws/foo/default/demo.yaml',
  setup: 'aws/foo',
  namespace: 'default',
  release: 'demo'
}

/** An upgrade of `target` with nothing but what a case sets. */
const upgradeArgs = (input: Partial<ApplyArgsInput>): string[] =>
  applyArgs({
    operation: 'upgrade',
    target,
    chart: 'c',
    values: [],
    description: 'd',
    labels: 'l=1',
    userArgs: [],
    output: 'json',
    ...input
  })

describe('translateUserArgs', () => {
  const cases: Array<[string, string[], 3 | 4, boolean, string[], number]> = [
    ['Helm 4 renames --atomic', ['--atomic'], 4, true, ['--rollback-on-failure'], 0],
    [
      'Helm 4 renames --force, keeping =value',
      ['--force=true'],
      4,
      true,
      ['--force-replace=true'],
      0
    ],
    [
      'Helm 3 renames back',
      ['--rollback-on-failure', '--force-replace'],
      3,
      false,
      ['--atomic', '--force'],
      0
    ],
    [
      'Helm 3 keeps its own names',
      ['--atomic', '--timeout', '5m'],
      3,
      false,
      ['--atomic', '--timeout', '5m'],
      0
    ],
    [
      'Helm 4 keeps new names',
      ['--rollback-on-failure', '--wait=watcher'],
      4,
      true,
      ['--rollback-on-failure', '--wait=watcher'],
      0
    ],
    [
      '--force-conflicts kept with server-side apply',
      ['--force-conflicts'],
      4,
      true,
      ['--force-conflicts'],
      0
    ],
    [
      '--force-conflicts dropped with client-side apply',
      ['--force-conflicts', '--wait'],
      4,
      false,
      ['--wait'],
      1
    ],
    ['--force-conflicts dropped on Helm 3', ['--force-conflicts'], 3, false, [], 1],
    ['values are not flags', ['--set', 'force=--atomic'], 4, true, ['--set', 'force=--atomic'], 0]
  ]
  it.each(cases)('%s', (_name, input, major, serverSide, expected, notes) => {
    const out = translateUserArgs(input, major, { serverSide })
    expect(out.args).toEqual(expected)
    expect(out.notes).toHaveLength(notes)
  })
})

describe('server-side apply in effect', () => {
  const cases: Array<[3 | 4, 'install' | 'upgrade', string[], string | undefined, boolean]> = [
    [3, 'install', [], undefined, false],
    [4, 'install', [], undefined, true],
    [4, 'install', ['--server-side=false'], undefined, false],
    [4, 'upgrade', [], 'ssa', true],
    [4, 'upgrade', [], 'csa', false],
    [4, 'upgrade', [], undefined, false],
    [4, 'upgrade', ['--server-side', 'true'], 'csa', true],
    [4, 'upgrade', ['--server-side=auto'], 'ssa', true]
  ]
  it.each(cases)('helm %i %s %j previous=%s → %s', (major, op, args, previous, expected) => {
    expect(serverSideInEffect(major, op, args, previous)).toBe(expected)
  })
  it('reads --server-side forms', () => {
    expect(serverSideFlag([])).toBeUndefined()
    expect(serverSideFlag(['--server-side'])).toBe(true)
    expect(serverSideFlag(['--server-side', '--wait'])).toBe(true)
    expect(serverSideFlag(['--server-side', 'false'])).toBe(false)
    expect(serverSideFlag(['--server-side=auto'])).toBe('auto')
  })
})

describe('applyArgs', () => {
  it('installs with namespace creation, version, values in order, description, marker labels, no client-side OpenAPI validation, user args, our output last', () => {
    expect(
      applyArgs({
        operation: 'install',
        target,
        chart: 'stable/nuclio',
        version: '1.2.0',
        values: ['/repo/a.yaml', '/repo/b.yaml'],
        description: 'gitops-action abc123 aws/foo/default/demo.yaml digest=d1',
        labels: 'gitops-action/managed=true',
        userArgs: ['--wait', '-o', 'table'],
        output: 'json'
      })
    ).toEqual([
      'install',
      'demo',
      'stable/nuclio',
      '--namespace',
      'default',
      '--version',
      '1.2.0',
      '--values',
      '/repo/a.yaml',
      '--values',
      '/repo/b.yaml',
      '--create-namespace',
      '--description',
      'gitops-action abc123 aws/foo/default/demo.yaml digest=d1',
      '--labels',
      'gitops-action/managed=true',
      '--disable-openapi-validation',
      '--wait',
      '-o',
      'table',
      '--output',
      'json'
    ])
  })
  it('upgrades without --create-namespace and without --version when none is pinned', () => {
    const args = upgradeArgs({ chart: '/repo/charts/x' })
    expect(args).toEqual([
      'upgrade',
      'demo',
      '/repo/charts/x',
      '--namespace',
      'default',
      '--description',
      'd',
      '--labels',
      'l=1',
      '--disable-openapi-validation',
      '--output',
      'json'
    ])
  })
  it('asks for the table when the release is not to be printed whole, over a user -o json', () => {
    expect(upgradeArgs({ userArgs: ['-o', 'json'], output: 'table' }).slice(-4)).toEqual([
      '-o',
      'json',
      '--output',
      'table'
    ])
  })
  it('keeps a file name with shell characters as one argument', () => {
    const args = upgradeArgs({ values: ['/repo/$(touch x); `y`.yaml'] })
    expect(args).toContain('/repo/$(touch x); `y`.yaml')
  })
  it('CSV-quotes a values path with a comma, a quote or a newline (helm splits --values like CSV)', () => {
    const args = upgradeArgs({ values: ['/repo/a,b.yaml', '/repo/say "hi"\n.yaml'] })
    expect(args).toContain('"/repo/a,b.yaml"')
    expect(args).toContain('"/repo/say ""hi""\n.yaml"')
  })
})

describe('templateArgs', () => {
  it('asks for the CRDs of crds/ folders only when told', () => {
    const input = { target, chart: 'c', values: [], userArgs: ['--set', 'a=1'] }
    expect(templateArgs(input)).not.toContain('--include-crds')
    expect(templateWithCrdsArgs(input)).toEqual([...templateArgs(input), '--include-crds'])
  })

  it('drops upgrade-only flags with their values and keeps rendering flags', () => {
    expect(
      templateArgs({
        target,
        chart: 'c',
        values: ['/v.yaml'],
        userArgs: [
          '--force-replace',
          '--history-max',
          '5',
          '--set',
          'a=1',
          '--reset-values',
          '--server-side=false',
          '--timeout',
          '5m'
        ]
      })
    ).toEqual([
      'template',
      'demo',
      'c',
      '--namespace',
      'default',
      '--values',
      '/v.yaml',
      '--set',
      'a=1',
      '--timeout',
      '5m'
    ])
  })
})

describe('other commands', () => {
  it('reads the history, optionally only the newest revision', () => {
    expect(historyArgs(target, 1)).toEqual([
      'history',
      'demo',
      '--namespace',
      'default',
      '--max',
      '1',
      '--output',
      'json'
    ])
    expect(historyArgs(target)).toEqual([
      'history',
      'demo',
      '--namespace',
      'default',
      '--output',
      'json'
    ])
  })
  it('uninstalls by name and namespace', () => {
    expect(uninstallArgs(target)).toEqual(['uninstall', 'demo', '--namespace', 'default'])
  })
})

describe("a plan's release options as flags", () => {
  it.each([
    ['nothing set: nothing added (helm-args and helm decide)', {}, 3, []],
    ['wait on, Helm 4: the watcher strategy', { wait: true }, 4, ['--wait=watcher']],
    ['wait off, Helm 4: hooks only', { wait: false }, 4, ['--wait=hookOnly']],
    ['wait on, Helm 3', { wait: true }, 3, ['--wait=true']],
    ['wait off (wins over a --wait in helm-args)', { wait: false }, 3, ['--wait=false']],
    ['timeout', { timeout: '5m' }, 4, ['--timeout', '5m']],
    ['atomic on Helm 3', { atomic: true }, 3, ['--atomic=true']],
    [
      'atomic on Helm 4 is --rollback-on-failure',
      { atomic: true },
      4,
      ['--rollback-on-failure=true']
    ],
    ['atomic off on Helm 4', { atomic: false }, 4, ['--rollback-on-failure=false']],
    [
      'all three',
      { wait: true, timeout: '90s', atomic: true },
      3,
      ['--wait=true', '--timeout', '90s', '--atomic=true']
    ],
    [
      'health-checked: the gate waits and rolls back, not helm',
      {
        wait: true,
        timeout: '90s',
        atomic: true,
        health: { ...DEFAULT_OPTIONS.health, enable: true }
      },
      4,
      ['--wait=hookOnly', '--timeout', '90s', '--rollback-on-failure=false']
    ],
    ["crds: create is helm's own: no flag", { crds: 'create' }, 4, []],
    ['crds: skip', { crds: 'skip' }, 3, ['--skip-crds']],
    [
      'crds: create-replace (the action applied them before)',
      { crds: 'create-replace' },
      4,
      ['--skip-crds']
    ]
  ] as const)('%s', (_name, options, major, expected) => {
    expect(releaseOptionArgs({ ...DEFAULT_OPTIONS, ...options }, major)).toEqual(expected)
  })

  it("come after the user's helm-args and before --output, so the plan wins", () => {
    const args = upgradeArgs({
      chart: 'stable/nuclio',
      userArgs: ['--atomic', '--timeout', '10m'],
      optionArgs: ['--atomic=false', '--timeout', '2m']
    })
    expect(args.slice(-8, -1)).toEqual([
      '--atomic',
      '--timeout',
      '10m',
      '--atomic=false',
      '--timeout',
      '2m',
      '--output'
    ])
    expect(args.at(-1)).toBe('json')
  })

  it("helm test with the pods' logs, the timeout only when given", () => {
    expect(testArgs(target, undefined)).toEqual([
      'test',
      'demo',
      '--namespace',
      'default',
      '--logs'
    ])
    expect(testArgs(target, '3m')).toEqual([
      'test',
      'demo',
      '--namespace',
      'default',
      '--logs',
      '--timeout',
      '3m'
    ])
  })
})
