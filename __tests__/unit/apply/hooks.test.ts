import { describe, expect, it } from 'vitest'
import { hookEnv, shellCommand } from '../../../src/apply/hooks.ts'

describe('hooks', () => {
  it('gets the variables of SPEC §3', () => {
    expect(
      hookEnv({
        target: { plan: 'a/b/ns/rel.yaml', setup: 'a/b', namespace: 'ns', release: 'rel' },
        kubeconfig: '/tmp/k.yaml',
        helm: '/opt/helm',
        chart: 'stable/x',
        version: '1.0.0',
        operation: 'install',
        sha: 'abc'
      })
    ).toEqual({
      KUBECONFIG: '/tmp/k.yaml',
      HELM: '/opt/helm',
      GITOPS_SETUP: 'a/b',
      GITOPS_NAMESPACE: 'ns',
      GITOPS_RELEASE: 'rel',
      GITOPS_CHART: 'stable/x',
      GITOPS_VERSION: '1.0.0',
      GITOPS_PLAN: 'a/b/ns/rel.yaml',
      GITOPS_OPERATION: 'install',
      GITOPS_SHA: 'abc'
    })
  })
  it.each([
    ['/bin/bash', '/bin/bash', []],
    ['  /bin/bash -eu ', '/bin/bash', ['-eu']],
    ['sh -x', 'sh', ['-x']]
  ])('shell %j', (shell, command, args) => expect(shellCommand(shell)).toEqual({ command, args }))
  it('an empty shell is an error', () =>
    expect(() => shellCommand(' ')).toThrow(/shell input is empty/))
})
