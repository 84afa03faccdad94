import { afterEach, describe, expect, it, vi } from 'vitest'
import { childEnv, hookOnlyEnv } from '../../../src/child-env.ts'

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
