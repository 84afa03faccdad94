import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { actionDefaults } from '../../../src/action-defaults.ts'
import { readConfig, SEED_ENV, splitArgs } from '../../../src/config.ts'
import { mask, resetSecrets } from '../../../src/secrets/masking.ts'
import * as core from '../../support/fakes/core.ts'
import { removeTempDirs, tempDir } from '../../support/git-repo.ts'

vi.mock('@actions/core', () => import('../../support/fakes/core.ts'))

afterAll(removeTempDirs)

/** What the runner sets: action.yml's defaults, and the workflow token for github-token's expression. */
const RUNNER_DEFAULTS: Record<string, string> = {
  ...Object.fromEntries(actionDefaults()),
  'github-token': 'ghs_workflowtoken123'
}

function inputs(values: Record<string, string>): void {
  for (const [name, value] of Object.entries({ ...RUNNER_DEFAULTS, ...values }))
    core.inputs.set(name, value)
}

beforeEach(() => {
  core.resetCore()
  resetSecrets()
  for (const name of Object.values(SEED_ENV)) vi.stubEnv(name, '')
  vi.stubEnv('GITHUB_WORKSPACE', '/work/ops')
})
afterEach(() => vi.unstubAllEnvs())

describe('readConfig', () => {
  it('reads every input with the defaults of action.yml', () => {
    inputs({})
    expect(readConfig()).toEqual({
      githubToken: 'ghs_workflowtoken123',
      kubeconfigStoreUrl: undefined,
      kubeconfigStoreCa: undefined,
      kubeconfigFilename: 'kubeconfig.yaml',
      storeTimeoutMs: 15_000,
      storeAttempts: 4,
      setupNameSize: 2,
      shell: '/bin/bash',
      helmVersion: 'v4.3.1',
      helmDownloadUrl: 'https://get.helm.sh/helm-{version}-{os}-{arch}.tar.gz',
      sopsVersion: 'v3.13.3',
      sopsDownloadUrl:
        'https://github.com/getsops/sops/releases/download/{version}/sops-{version}.{os}.{arch}',
      sopsAgeKey: undefined,
      helmRepositories: [],
      helmArgs: [],
      plans: [],
      dispatchBranches: [],
      ignore: [],
      parallel: 4,
      parallelPlans: 8,
      waves: [],
      waveSoakMs: 0,
      pendingGraceMs: 600_000,
      failFast: false,
      hookTimeoutMs: 300_000,
      dryRun: false,
      deployments: 'none',
      deploymentEnvironment: '{setup}',
      mode: 'deploy',
      drift: 'report',
      failOnDrift: false,
      prune: false,
      ownershipKey: undefined,
      driftIssues: false,
      retryQuarantined: false,
      setups: [],
      base: undefined,
      shard: undefined,
      shardSize: 1,
      resultsPath: '',
      maxFailures: 0,
      shards: undefined,
      publish: true,
      workspace: '/work/ops'
    })
    expect(core.setSecret).toHaveBeenCalledWith('ghs_workflowtoken123')
  })

  it("reads a fleet's inputs: deployments old and new, setups, base, shard, shards", () => {
    const read = (given: Record<string, string>) => {
      inputs(given)
      return readConfig()
    }
    expect(read({ deployments: 'true' }).deployments).toBe('per-setup')
    expect(read({ deployments: 'False' }).deployments).toBe('none')
    expect(read({ deployments: 'per-wave' }).deployments).toBe('per-wave')
    const wave = { wave: 2, matrix: { include: [{ shard: '2-0', setups: 'a/b' }] } }
    expect(read({ shards: JSON.stringify(wave) }).shards).toEqual([wave])
    const shards = [{ wave: 1, matrix: { include: [{ shard: '1-0', setups: 'aws/eu,aws/us' }] } }]
    expect(
      read({
        mode: 'report',
        setups: 'aws/eu, aws/us',
        base: 'a'.repeat(40),
        shard: '1-0',
        'shard-size': '10',
        'results-path': 'results/',
        'max-failures': '2',
        shards: JSON.stringify(shards),
        publish: 'false'
      })
    ).toMatchObject({
      mode: 'report',
      setups: ['aws/eu', 'aws/us'],
      base: 'a'.repeat(40),
      shard: '1-0',
      shardSize: 10,
      resultsPath: 'results/',
      maxFailures: 2,
      shards,
      publish: false
    })
  })

  it('reads given values: lists, repositories, helm args, booleans', () => {
    inputs({
      'kubeconfig-store-url': 'https://user:store-pass@store.example.com/kube',
      'setup-name-size': '3',
      'helm-version': '3.19.0',
      'helm-repositories':
        '# aliases\nstable https://charts.example.com/stable\n\nprivate  https://bob:repo-pass@charts.example.com/private\n',
      'helm-args': `--atomic --timeout 5m --set-string 'msg=hello world' --set "a=b\\"c"`,
      plans: 'aws/**, gcp/bar/**\n{a,b}/**/x.yaml\n# not this',
      ignore: '**/draft-*.yaml',
      parallel: '8',
      'fail-fast': 'True',
      'hook-timeout': '30',
      'dry-run': 'TRUE'
    })
    const config = readConfig()
    expect(config).toMatchObject({
      kubeconfigStoreUrl: 'https://user:store-pass@store.example.com/kube',
      setupNameSize: 3,
      helmVersion: 'v3.19.0',
      helmRepositories: [
        { name: 'stable', url: 'https://charts.example.com/stable' },
        { name: 'private', url: 'https://bob:repo-pass@charts.example.com/private' }
      ],
      helmArgs: [
        '--atomic',
        '--timeout',
        '5m',
        '--set-string',
        'msg=hello world',
        '--set',
        'a=b"c'
      ],
      plans: ['aws/**', 'gcp/bar/**', '{a,b}/**/x.yaml'],
      ignore: ['**/draft-*.yaml'],
      parallel: 8,
      failFast: true,
      hookTimeoutMs: 30_000,
      dryRun: true
    })
    // Secrets are registered as they are read, before anything can print them.
    expect(mask('store-pass repo-pass ghs_workflowtoken123')).toBe('*** *** ***')
  })

  it("falls back to the seed's environment names where the inputs are not given", () => {
    inputs({})
    vi.stubEnv('GITHUB_ACCESS_TOKEN', 'ghp_seedtoken456')
    vi.stubEnv('KUBECONFIG_REPO_URL', 'http://u:seed-pass@kube.example.com')
    vi.stubEnv('GITOPS_KUBECONFIG_FILENAME', 'config')
    vi.stubEnv('GITOPS_SETUP_NAME_SIZE', '1')
    vi.stubEnv('GITOPS_SHELL_EXEC', '/bin/sh')
    expect(readConfig()).toMatchObject({
      githubToken: 'ghp_seedtoken456',
      kubeconfigStoreUrl: 'http://u:seed-pass@kube.example.com',
      kubeconfigFilename: 'config',
      setupNameSize: 1,
      shell: '/bin/sh'
    })
    expect(mask('seed-pass ghp_seedtoken456')).toBe('*** ***')
  })

  it('an input given explicitly (not the default) wins over the environment', () => {
    inputs({ 'setup-name-size': '4', 'kubeconfig-store-url': 'https://given.example.com' })
    vi.stubEnv('GITOPS_SETUP_NAME_SIZE', '1')
    vi.stubEnv('KUBECONFIG_REPO_URL', 'https://env.example.com')
    expect(readConfig()).toMatchObject({
      setupNameSize: 4,
      kubeconfigStoreUrl: 'https://given.example.com'
    })
  })

  it('reads the store CA as text or from a file', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
    inputs({ 'kubeconfig-store-ca': pem })
    expect(readConfig().kubeconfigStoreCa).toBe(pem.trim())
    const file = join(await tempDir(), 'ca.pem')
    await writeFile(file, pem)
    inputs({ 'kubeconfig-store-ca': file })
    expect(readConfig().kubeconfigStoreCa).toBe(pem)
  })

  it('an empty input takes the default', () => {
    inputs({ shell: '', 'setup-name-size': '' })
    expect(readConfig()).toMatchObject({ shell: '/bin/bash', setupNameSize: 2 })
  })

  it('the workspace is the current directory outside a runner', () => {
    inputs({})
    vi.stubEnv('GITHUB_WORKSPACE', '')
    expect(readConfig().workspace).toBe(process.cwd())
  })
})

describe('readConfig: waves and wave-soak', () => {
  it('one wave a line, its globs comma-separated (braces kept), comment lines skipped', () => {
    inputs({ waves: 'stage/*\n# then Europe\nprod/eu-*, prod/{de,fr}\n prod/** ' })
    expect(readConfig().waves).toEqual([
      { line: 1, globs: ['stage/*'] },
      { line: 3, globs: ['prod/eu-*', 'prod/{de,fr}'] },
      { line: 4, globs: ['prod/**'] }
    ])
  })

  it.each([
    ['0s', 0],
    ['0', 0],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['1.5m', 90_000],
    ['500ms', 500],
    ['2h', 7_200_000]
  ])('wave-soak %s is %i ms', (given, ms) => {
    inputs({ 'wave-soak': given })
    expect(readConfig().waveSoakMs).toBe(ms)
  })
})

describe('readConfig: a bad value names the input and what is allowed', () => {
  it.each([
    [
      { 'setup-name-size': '0' },
      "input 'setup-name-size' must be a whole number from 1 to 16 (got '0')."
    ],
    [
      { 'setup-name-size': 'two' },
      "input 'setup-name-size' must be a whole number from 1 to 16 (got 'two')."
    ],
    [{ parallel: '1.5' }, "input 'parallel' must be a whole number from 1 to 64 (got '1.5')."],
    [{ parallel: '65' }, "input 'parallel' must be a whole number from 1 to 64 (got '65')."],
    [
      { 'hook-timeout': '-3' },
      "input 'hook-timeout' must be a whole number from 1 to 2147483 (seconds; about 24 days is the longest a timer can wait) (got '-3')."
    ],
    [
      { 'hook-timeout': '2147484' },
      "input 'hook-timeout' must be a whole number from 1 to 2147483 (seconds; about 24 days is the longest a timer can wait) (got '2147484')."
    ],
    [
      { 'setup-name-size': '1'.repeat(400) },
      `input 'setup-name-size' must be a whole number from 1 to 16 (got '${'1'.repeat(400)}').`
    ],
    [{ 'fail-fast': 'yes' }, "input 'fail-fast' must be true or false (got 'yes')."],
    [{ 'dry-run': '1' }, "input 'dry-run' must be true or false (got '1')."],
    [{ mode: 'check' }, "input 'mode' must be one of deploy, drift, plan, report (got 'check')."],
    [
      { deployments: 'per-cluster' },
      "input 'deployments' must be one of per-setup, per-wave, per-run, true, false (got 'per-cluster')."
    ],
    [{ 'shard-size': '0' }, "input 'shard-size' must be a whole number from 1 to 256 (got '0')."],
    [
      { 'shard-size': '257' },
      "input 'shard-size' must be a whole number from 1 to 256 (got '257')."
    ],
    [
      { 'max-failures': '-1' },
      "input 'max-failures' must be a whole number from 0 to 65536 (got '-1')."
    ],
    [
      { base: 'HEAD~1' },
      "input 'base' must be a full commit SHA (40 hex digits): the plan job's base output (got 'HEAD~1')."
    ],
    [
      { shard: '../x' },
      "input 'shard' must be a shard id as the plan job's shards output gives it (letters, digits, '.', '_', '-') (got '../x')."
    ],
    [
      { shards: '{"wave": 1}' },
      "input 'shards' must be the plan job's shards output (a JSON list of {wave, matrix: {include: [{shard, setups}]}}, or one wave's entry of it)."
    ],
    [
      { shards: '[{"wave": 1, "matrix": {"include": [{"shard": 3}]}}]' },
      "input 'shards' must be the plan job's shards output (a JSON list of {wave, matrix: {include: [{shard, setups}]}}, or one wave's entry of it)."
    ],
    [{ publish: 'maybe' }, "input 'publish' must be true or false (got 'maybe')."],
    [{ drift: 'fix' }, "input 'drift' must be one of report, correct (got 'fix')."],
    [
      { 'helm-version': 'latest' },
      "input 'helm-version' must be \"system\" or a Helm 3 or 4 release such as v4.3.1 or v3.19.0 (got 'latest')."
    ],
    [
      { 'helm-version': 'v2.17.0' },
      "input 'helm-version' must be \"system\" or a Helm 3 or 4 release such as v4.3.1 or v3.19.0 (got 'v2.17.0')."
    ],
    [
      { 'kubeconfig-store-url': 'store.example.com' },
      "input 'kubeconfig-store-url' must be a URL (https:, http:, file:)."
    ],
    [
      { 'kubeconfig-store-url': 'ftp://u:p@store' },
      "input 'kubeconfig-store-url' must use one of https:, http:, file: (got ftp:)."
    ],
    [
      { 'kubeconfig-filename': '../../etc/passwd' },
      'input \'kubeconfig-filename\' must be a file name in the setup folder of the store (no "/", "\\", control characters, "." or "..") (got \'../../etc/passwd\').'
    ],
    [
      { 'kubeconfig-filename': 'sub/kubeconfig.yaml' },
      'input \'kubeconfig-filename\' must be a file name in the setup folder of the store (no "/", "\\", control characters, "." or "..") (got \'sub/kubeconfig.yaml\').'
    ],
    [
      { 'kubeconfig-store-url': 'https://store/x#frag' },
      "input 'kubeconfig-store-url' must not have a #fragment (the server never sees it)."
    ],
    [
      { 'helm-download-url': 'file:///mirror/helm-{version}-{os}-{arch}.tar.gz' },
      "input 'helm-download-url' must be an https:// or http:// URL (a mirror); for a helm already on the runner use helm-version: system."
    ],
    [
      { plans: 'a/{1..100000}/**' },
      "input 'plans' must not use brace ranges such as {1..9}; list the alternatives as {a,b} or use * (got 'a/{1..100000}/**')."
    ],
    [
      { ignore: '{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}' },
      "input 'ignore' expands to 512 patterns; at most 256 are allowed (got '{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}')."
    ],
    [
      { 'kubeconfig-store-ca': '/no/such/ca.pem' },
      "input 'kubeconfig-store-ca' must be PEM certificate text or the path of a file holding it (no such file) (got '/no/such/ca.pem')."
    ],
    [
      { 'helm-repositories': 'stable' },
      'input \'helm-repositories\' line 1 must be "name url" (two words).'
    ],
    [
      { 'helm-repositories': 'a https://x\nb/c https://y' },
      "input 'helm-repositories' line 2: alias 'b/c' may hold only letters, digits, '.', '_' and '-'."
    ],
    [
      { 'helm-repositories': 'a https://x\na https://y' },
      "input 'helm-repositories' line 2: alias 'a' is defined twice."
    ],
    [
      { 'helm-repositories': 'a ftp://ghcr.io/x' },
      "input 'helm-repositories' line 1 must use one of https:, http:, oci: (got ftp:)."
    ],
    [{ 'helm-args': '--set "a=b' }, "input 'helm-args': has an unterminated \" quote."],
    [
      { waves: 'stage/*\n\nprod/*' },
      "input 'waves' line 2 is empty: each line is a wave of comma-separated setup globs; remove the empty line or name the setups of that wave."
    ],
    [
      { waves: 'stage/*\n , ,\nprod/*' },
      "input 'waves' line 2 is empty: each line is a wave of comma-separated setup globs; remove the empty line or name the setups of that wave."
    ],
    [
      { waves: 'stage/*\nprod/{1..9}' },
      "input 'waves' line 2 must not use brace ranges such as {1..9}; list the alternatives as {a,b} or use * (got 'prod/{1..9}')."
    ],
    [
      { 'wave-soak': '10' },
      "input 'wave-soak' must be a Go duration such as 0s, 90s, 10m or 1h30m, at most 2h (a job on a GitHub-hosted runner ends after 6h; soak longer between jobs of a workflow instead) (got '10')."
    ],
    [
      { 'wave-soak': '-5m' },
      "input 'wave-soak' must be a Go duration such as 0s, 90s, 10m or 1h30m, at most 2h (a job on a GitHub-hosted runner ends after 6h; soak longer between jobs of a workflow instead) (got '-5m')."
    ],
    [
      { 'wave-soak': 'ten minutes' },
      "input 'wave-soak' must be a Go duration such as 0s, 90s, 10m or 1h30m, at most 2h (a job on a GitHub-hosted runner ends after 6h; soak longer between jobs of a workflow instead) (got 'ten minutes')."
    ],
    [
      { 'wave-soak': '2h0m1s' },
      "input 'wave-soak' must be a Go duration such as 0s, 90s, 10m or 1h30m, at most 2h (a job on a GitHub-hosted runner ends after 6h; soak longer between jobs of a workflow instead) (got '2h0m1s')."
    ],
    [
      { 'deployment-environment': 'prod-{cluster}' },
      "The deployment-environment input 'prod-{cluster}' is not a usable name template"
    ],
    [
      { 'sops-version': 'v2.0.0' },
      "input 'sops-version' must be \"system\" or a sops 3 release such as v3.13.3 (got 'v2.0.0')."
    ],
    [
      { 'sops-download-url': 'file:///mirror/sops' },
      "input 'sops-download-url' must be an https:// or http:// URL (a mirror); for a sops already on the runner use sops-version: system."
    ],
    [
      { 'kubeconfig-store-timeout': '0' },
      "input 'kubeconfig-store-timeout' must be a whole number from 1 to 600 (got '0')."
    ],
    [
      { 'kubeconfig-store-attempts': '11' },
      "input 'kubeconfig-store-attempts' must be a whole number from 1 to 10 (got '11')."
    ]
  ])('%o', (values, message) => {
    inputs(values)
    expect(() => readConfig()).toThrow(message)
  })

  it('an environment fallback is named as such', () => {
    inputs({})
    vi.stubEnv('GITOPS_SETUP_NAME_SIZE', 'x')
    expect(() => readConfig()).toThrow(
      "environment variable GITOPS_SETUP_NAME_SIZE (fallback for input 'setup-name-size') must be a whole number from 1 to 16 (got 'x')."
    )
  })

  it('masks the query of a store URL (a signed URL holds its token there)', () => {
    inputs({ 'kubeconfig-store-url': 'https://store.example/kc?sig=s3cr3tSignature&sv=2024' })
    expect(readConfig().kubeconfigStoreUrl).toBe(
      'https://store.example/kc?sig=s3cr3tSignature&sv=2024'
    )
    expect(
      mask('GET https://store.example/kc/a/b/kubeconfig.yaml?sig=s3cr3tSignature&sv=2024')
    ).toBe('GET https://store.example/kc/a/b/kubeconfig.yaml?***')
  })

  it('reads the store timeout and attempts, and the sops inputs', () => {
    inputs({
      'kubeconfig-store-timeout': '3',
      'kubeconfig-store-attempts': '1',
      'sops-version': '3.9.0',
      'sops-download-url': 'https://mirror.example/sops/{version}/sops-{version}.{os}.{arch}'
    })
    expect(readConfig()).toMatchObject({
      storeTimeoutMs: 3_000,
      storeAttempts: 1,
      sopsVersion: 'v3.9.0',
      sopsDownloadUrl: 'https://mirror.example/sops/{version}/sops-{version}.{os}.{arch}'
    })
  })

  it('masks the age key with its derived forms, and never echoes a malformed one', () => {
    const key = 'AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSKQ8J0A'
    inputs({ 'sops-age-key': `# created: today\n${key}\n` })
    expect(readConfig().sopsAgeKey).toContain(key)
    const forms = [key, key.toLowerCase(), Buffer.from(key).toString('base64')]
    expect(mask(forms.join(' '))).toBe('*** *** ***')
    resetSecrets()
    inputs({ 'sops-age-key': 'not-a-key-hunter2' })
    expect(() => readConfig()).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') })
    )
    expect(() => readConfig()).toThrow(
      "input 'sops-age-key' must hold age private keys (AGE-SECRET-KEY-1...), one a line."
    )
  })

  it('masks the ownership key, and refuses a short one without echoing it', () => {
    const key = 'f3a9c2d17b4e6a8055c1d9e2b7f4a6c3'
    inputs({ 'ownership-key': key })
    expect(readConfig().ownershipKey).toBe(key)
    expect(mask(key)).toBe('***')
    resetSecrets()
    inputs({ 'ownership-key': 'hunter2-short' })
    expect(() => readConfig()).toThrow(
      "input 'ownership-key' must be at least 32 characters (e.g. the output of openssl rand -hex 32, kept as a secret)."
    )
    expect(mask('hunter2-short')).toBe('***')
  })

  it('accepts oci:// aliases in helm-repositories', () => {
    inputs({ 'helm-repositories': 'reg oci://user:pa55word@registry.example/charts' })
    expect(readConfig().helmRepositories).toEqual([
      { name: 'reg', url: 'oci://user:pa55word@registry.example/charts' }
    ])
  })

  it('never echoes a malformed URL that may hold a password', () => {
    inputs({ 'kubeconfig-store-url': 'https//user:hunter2@store' })
    expect(() => readConfig()).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') })
    )
  })
})

describe('splitArgs: like a shell, without one', () => {
  it.each([
    ['', []],
    ['  --a   b  ', ['--a', 'b']],
    [`--set 'x=a b' --set "y=\\$HOME \\"q\\""`, ['--set', 'x=a b', '--set', 'y=$HOME "q"']],
    [`a\\ b c`, ['a b', 'c']],
    [`''`, ['']],
    [`--x=""`, ['--x=']],
    ['a\nb\tc', ['a', 'b', 'c']],
    ['$(rm -rf /) `x` ;|&', ['$(rm', '-rf', '/)', '`x`', ';|&']],
    [`'it'"'"'s'`, ["it's"]]
  ])('%j', (text, args) => {
    expect(splitArgs(text)).toEqual(args)
  })

  it.each([
    [`'open`, "has an unterminated ' quote"],
    ['end\\', 'ends with a lone backslash']
  ])('%j fails', (text, message) => {
    expect(() => splitArgs(text)).toThrow(message)
  })
})
