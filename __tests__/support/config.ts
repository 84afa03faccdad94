import type { Config } from '../../src/types.ts'

/** A Config with action.yml's defaults, for tests and the benchmark; override what a case needs. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    githubToken: '',
    kubeconfigStoreUrl: undefined,
    kubeconfigStoreCa: undefined,
    kubeconfigFilename: 'kubeconfig.yaml',
    setupNameSize: 2,
    shell: '/bin/bash',
    helmVersion: 'v4.3.1',
    helmDownloadUrl: 'https://get.helm.sh/helm-{version}-{os}-{arch}.tar.gz',
    helmRepositories: [],
    helmArgs: [],
    plans: [],
    ignore: [],
    parallel: 4,
    parallelPlans: 4,
    pendingGraceMs: 600_000,
    failFast: false,
    hookTimeoutMs: 300_000,
    dryRun: false,
    workspace: '',
    ...overrides
  }
}
