import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseExecCredential } from '../../../src/cluster/exec-credential.ts'
import { clusterAccess } from '../../../src/cluster/kubeconfig-access.ts'

const b64 = (s: string) => Buffer.from(s).toString('base64')
const kubeconfig = (user: string, extra = '') => `apiVersion: v1
kind: Config
current-context: two
clusters:
- name: c1
  cluster: {server: "https://one:6443"}
- name: c2
  cluster:
    server: https://two:6443/
    certificate-authority-data: ${b64('CA PEM')}${extra}
contexts:
- name: one
  context: {cluster: c1, user: u1}
- name: two
  context: {cluster: c2, user: u2}
users:
- name: u1
  user: {token: wrong}
- name: u2
  user:
${user}
`

describe('cluster access from a kubeconfig', () => {
  it('takes the current context: server, CA, client certificate', () => {
    const access = clusterAccess(
      kubeconfig(`    client-certificate-data: ${b64('CERT')}\n    client-key-data: ${b64('KEY')}`),
      '/x/k.yaml'
    )
    expect(access).toEqual({
      server: 'https://two:6443',
      ca: 'CA PEM',
      insecure: false,
      cert: 'CERT',
      key: 'KEY',
      token: undefined,
      username: undefined,
      password: undefined
    })
  })
  it('reads files named relative to the kubeconfig, and a token file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'))
    writeFileSync(join(dir, 'ca.pem'), 'FILE CA')
    writeFileSync(join(dir, 'token'), 'tok\n')
    const text = kubeconfig(`    tokenFile: ${join(dir, 'token')}`).replace(
      `certificate-authority-data: ${b64('CA PEM')}`,
      'certificate-authority: ca.pem'
    )
    expect(clusterAccess(text, join(dir, 'k.yaml'))).toMatchObject({ ca: 'FILE CA', token: 'tok' })
  })
  it('an exec plugin, with its arguments and environment', () => {
    const access = clusterAccess(
      kubeconfig(
        '    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [eks, get-token]\n      env: [{name: AWS_PROFILE, value: prod}]'
      ),
      '/x/k.yaml'
    )
    expect(access.exec).toEqual({
      command: 'aws',
      args: ['eks', 'get-token'],
      env: { AWS_PROFILE: 'prod' },
      apiVersion: 'client.authentication.k8s.io/v1beta1'
    })
  })
  it('a missing cluster or server is a clear error', () => {
    expect(() => clusterAccess('current-context: x\ncontexts: []', '/k')).toThrow(
      'the kubeconfig has no contexts entry named x'
    )
  })
  it("an ExecCredential's token or client certificate", () => {
    expect(parseExecCredential('{"kind":"ExecCredential","status":{"token":"t0k"}}')).toEqual({
      token: 't0k',
      cert: undefined,
      key: undefined
    })
    expect(() => parseExecCredential('{"status":{}}')).toThrow(/neither a token/)
    expect(() => parseExecCredential('nope')).toThrow(/did not print an ExecCredential/)
  })
})
