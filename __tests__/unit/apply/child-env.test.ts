import { afterEach, describe, expect, it, vi } from 'vitest'
import { childEnv, hookOnlyEnv, sopsEnv } from '../../../src/child-env.ts'

afterEach(() => vi.unstubAllEnvs())

describe('the environment of child processes', () => {
  const configuration = {
    'INPUT_GITHUB-TOKEN': 'ghs_x',
    'INPUT_KUBECONFIG-STORE-URL': 'https://u:p@store',
    GITHUB_ACCESS_TOKEN: 'ghp_seed',
    KUBECONFIG_REPO_URL: 'https://u:p@store',
    GITOPS_KUBECONFIG_FILENAME: 'k.yaml',
    GITOPS_SETUP_NAME_SIZE: '2',
    GITOPS_SHELL_EXEC: '/bin/sh',
    'STATE_gitops-workdir': '/tmp/x',
    GITHUB_OUTPUT: '/tmp/out',
    GITHUB_STATE: '/tmp/state',
    ACTIONS_RUNTIME_TOKEN: 'runtime',
    ACTIONS_RUNTIME_URL: 'https://runtime',
    ACTIONS_RESULTS_URL: 'https://results',
    ACTIONS_CACHE_URL: 'https://cache',
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://oidc',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-token'
  }
  const kept = { PATH: '/usr/bin', HOME: '/home/runner', AWS_REGION: 'eu-west-1' }

  it('helm and git get none of what the action reads as configuration, nor runner credentials', () => {
    for (const [k, v] of Object.entries({ ...configuration, ...kept })) vi.stubEnv(k, v)
    const env = childEnv({ KUBECONFIG: '/k' })
    for (const name of Object.keys(configuration)) expect(env, name).not.toHaveProperty(name)
    expect(env).toMatchObject({ ...kept, KUBECONFIG: '/k' })
  })

  it('hooks get the OIDC token request as well (a cloud login), nothing else withheld', () => {
    for (const [k, v] of Object.entries(configuration)) vi.stubEnv(k, v)
    expect(hookOnlyEnv()).toEqual({
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://oidc',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-token'
    })
  })
})

describe('the environment of sops', () => {
  it.each([
    ['PATH', true],
    ['HOME', true],
    ['TMPDIR', true],
    ['XDG_CONFIG_HOME', true],
    ['GNUPGHOME', true],
    ['SSL_CERT_FILE', true],
    ['https_proxy', true],
    ['NO_PROXY', true],
    ['SOPS_AGE_KEY_FILE', true],
    ['AWS_ACCESS_KEY_ID', true],
    ['AWS_SESSION_TOKEN', true],
    ['GOOGLE_APPLICATION_CREDENTIALS', true],
    ['CLOUDSDK_CORE_PROJECT', true],
    ['AZURE_CLIENT_ID', true],
    ['VAULT_TOKEN', true],
    ['SystemRoot', true],
    ['GITHUB_TOKEN', false],
    ['GITHUB_REPOSITORY', false],
    ['GITHUB_OUTPUT', false],
    ['INPUT_SOPS-AGE-KEY', false],
    ['STATE_gitops-workdir', false],
    ['ACTIONS_RUNTIME_TOKEN', false],
    ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', false],
    ['RUNNER_TEMP', false],
    ['KUBECONFIG', false],
    ['DEPLOY_PASSWORD', false],
    ['GITOPS_SHELL_EXEC', false]
  ])('%s: %s', (name, kept) => {
    const env = sopsEnv({}, { [name]: 'v' })
    expect(name in env).toBe(kept)
  })

  it('adds the age key the action passes', () => {
    expect(
      sopsEnv({ SOPS_AGE_KEY: 'AGE-SECRET-KEY-1X' }, { PATH: '/bin', GITHUB_SHA: 'a' })
    ).toEqual({ PATH: '/bin', SOPS_AGE_KEY: 'AGE-SECRET-KEY-1X' })
  })
})
